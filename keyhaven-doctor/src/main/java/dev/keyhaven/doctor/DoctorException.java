package dev.keyhaven.doctor;

/** The doctor's single error type: bad options, unreadable repository, bad config. Messages never carry secret values. */
public final class DoctorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DoctorException(String message) { super(message); }

    public DoctorException(String message, Throwable cause) { super(message, cause); }
}
