package dev.keyhaven.doctor;

import java.time.LocalDate;
import java.util.Set;

/** What to run: {@code only}/{@code skip} take check ids (KH101) or slugs (tracked-env-file); empty only = all. */
public record DoctorOptions(Set<String> only, Set<String> skip, LocalDate today) {
    public static DoctorOptions defaults() { return new DoctorOptions(Set.of(), Set.of(), LocalDate.now()); }
}
