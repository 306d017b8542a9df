/**
 * The transit secrets engine (Vault wire format) and the application key ring built on it.
 *
 * <h2>Paths (relative to the mount)</h2>
 * <ul>
 *   <li>{@code keys} (LIST), {@code keys/:name} (create/read/delete), {@code keys/:name/config}, {@code /rotate},
 *       {@code /trim}</li>
 *   <li>{@code encrypt/:name}, {@code decrypt/:name}, {@code rewrap/:name}, {@code datakey/(plaintext|wrapped)/:name}
 *       — single or {@code batch_input}; a failed batch item carries {@code error} and the response is 400 with all
 *       results (or {@code partial_failure_response_code})</li>
 *   <li>{@code sign/:name(/:hash)}, {@code verify/:name(/:hash)}, {@code hmac/:name(/:hash)}, {@code hash(/:alg)},
 *       {@code random(/:source)(/:bytes)}</li>
 *   <li>{@code export/(encryption-key|signing-key|hmac-key|public-key)/:name(/:version|latest)} — private material only
 *       when {@code exportable}; {@code backup/:name} and {@code restore(/:name)} only with {@code exportable} and
 *       {@code allow_plaintext_backup}</li>
 *   <li>Keyhaven key ring: {@code jwks/:name} (unauthenticated, RFC 7517, 404 unless {@code jwks_published}),
 *       {@code jwt/sign/:name} ({@code claims}, optional {@code ttl}, {@code key_version}, {@code header})</li>
 * </ul>
 *
 * <h2>Formats</h2>
 * Ciphertexts {@code vault:v<N>:base64(nonce(12) || ciphertext || tag(16))} (AES-GCM, ChaCha20-Poly1305) or
 * {@code vault:v<N>:base64(RSA-OAEP-SHA256)}; signatures and HMACs {@code vault:v<N>:base64(...)} (base64url without
 * padding for {@code marshaling_algorithm=jws}). ECDSA signatures are ASN.1 DER by default; RSA defaults to PSS with
 * the maximum salt (Go's "auto"), verification detects the salt. Key reads return Vault's {@code keys} map: unix
 * creation time per version for symmetric keys, {@code {name, public_key, certificate_chain, creation_time}} for
 * asymmetric ones (PKIX PEM, or raw base64 for ed25519). JWKS {@code kid} is {@code <name>:v<version>}, covering every
 * version from {@code min_decryption_version}.
 *
 * <h2>Where this differs from Vault</h2>
 * Key derivation is supported for AEAD key types only (HKDF-SHA256, convergent encryption version 3); derived ed25519
 * keys, Ed25519ph ({@code prehashed} ed25519), managed keys, BYOK import, {@code config/keys}, {@code cache-config}
 * and certificate chains are refused with a 400 or unsupported path. The backup format is Keyhaven's own (a backup
 * restores into Keyhaven, not into Vault). {@code hmac} keys list their versions like symmetric keys.
 * Config fields added by Keyhaven: {@code jwks_published}, {@code jwt_algorithm} (RSA: RS256…PS512).
 */
package dev.keyhaven.core.engine.transit;
