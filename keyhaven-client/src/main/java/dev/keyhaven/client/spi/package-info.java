/**
 * The source SPI: implement {@link dev.keyhaven.client.spi.SecretSource} (and
 * {@link dev.keyhaven.client.spi.VersionedSecretSource} for stores with versions) to plug a store into
 * {@link dev.keyhaven.client.SecretsManager.Builder#source}. Cloud modules (AWS Secrets Manager, Azure Key
 * Vault, GCP Secret Manager) build on this.
 */
package dev.keyhaven.client.spi;
