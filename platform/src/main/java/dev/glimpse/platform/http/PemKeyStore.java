package dev.glimpse.platform.http;

import dev.glimpse.platform.config.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-memory keystore from PEM files: a certificate chain ({@code BEGIN CERTIFICATE} blocks, leaf first) and an
 * unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY}; RSA, EC or Ed25519). A PKCS#1 key ({@code BEGIN RSA
 * PRIVATE KEY}) is refused with the openssl line that converts it.
 */
final class PemKeyStore {

    static final String ALIAS = "glimpse";
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]+)-----END \\1-----");

    private PemKeyStore() {
    }

    static KeyStore load(Path certificate, Path privateKey, char[] password) {
        try {
            List<? extends Certificate> chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(certificate))).stream().toList();
            if (chain.isEmpty()) {
                throw new ConfigException(HttpSettings.TLS_CERT, certificate, "no PEM certificate in the file");
            }
            PrivateKey key = privateKey(privateKey);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, password, chain.toArray(Certificate[]::new));
            return store;
        } catch (IOException e) {
            throw new ConfigException(HttpSettings.TLS_CERT, certificate, "cannot read: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new ConfigException(HttpSettings.TLS_CERT, certificate, "not a usable PEM certificate/key pair: "
                    + e.getMessage());
        }
    }

    private static PrivateKey privateKey(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            if (type.equals("RSA PRIVATE KEY") || type.equals("EC PRIVATE KEY")) {
                throw new ConfigException(HttpSettings.TLS_KEY, file, "a traditional (PKCS#1/SEC1) key; convert it with "
                        + "'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8'");
            }
            if (type.equals("ENCRYPTED PRIVATE KEY")) {
                throw new ConfigException(HttpSettings.TLS_KEY, file, "an encrypted key; give an unencrypted PKCS#8 key "
                        + "or a PKCS12 keystore (" + HttpSettings.TLS_KEYSTORE + ")");
            }
            if (type.equals("PRIVATE KEY")) {
                byte[] der = Base64.getMimeDecoder().decode(m.group(2).trim());
                for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
                    try {
                        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                    } catch (GeneralSecurityException wrongAlgorithm) {
                        // try the next one
                    }
                }
                throw new ConfigException(HttpSettings.TLS_KEY, file, "a PKCS#8 key of an unsupported algorithm");
            }
        }
        throw new ConfigException(HttpSettings.TLS_KEY, file, "no '-----BEGIN PRIVATE KEY-----' block in the file");
    }
}
