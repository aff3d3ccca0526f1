package dev.sasguard.hapi;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.core.env.Environment;

/**
 * sas-guard's settings on HAPI, read from the Spring environment (application.yaml, or the environment variables
 * Spring maps to them). A value sas-guard cannot use stops the server at start with a message naming it.
 *
 * <ul>
 *   <li>{@code sas-guard.bridge.url} (default {@code http://127.0.0.1:8787}): the Node bridge, on loopback.
 *   <li>{@code sas-guard.bridge.timeout-ms} (default 2000): past it the write is refused.
 *   <li>{@code sas-guard.clients[i].identity} and {@code .token-sha256}: the writer a bearer token stands for, e.g.
 *       {@code ClientApplication/editor-a}, and the SHA-256 (hex) of that token. None configured: open server,
 *       writers unknown (for trying only).
 *   <li>{@code sas-guard.trusted-authors} (environment: {@code SAS_GUARD_TRUSTED_AUTHORS}): identities that see and
 *       update every appointment; the bridge reads the same variable for OW-1.
 * </ul>
 */
public record SasGuardSettings(
    URI bridgeUrl, Duration bridgeTimeout, Map<String, String> identitiesByTokenSha256, List<String> trustedAuthors) {

  /** As the bridge's SAS_GUARD_TRUSTED_AUTHORS: a reference such as ClientApplication/&lt;id&gt;. */
  static final Pattern IDENTITY = Pattern.compile("^[A-Z][A-Za-z]+/[A-Za-z0-9\\-.]{1,64}$");

  private static final Pattern SHA256 = Pattern.compile("^[0-9a-f]{64}$");

  public static SasGuardSettings from(Environment env) {
    URI bridgeUrl = bridgeUrl(env.getProperty("sas-guard.bridge.url", "http://127.0.0.1:8787"));
    long timeoutMs = env.getProperty("sas-guard.bridge.timeout-ms", Long.class, 2000L);
    if (timeoutMs <= 0) {
      throw new IllegalArgumentException("sas-guard.bridge.timeout-ms must be a positive number of milliseconds");
    }
    Map<String, String> identities = new HashMap<>();
    for (int i = 0; env.containsProperty("sas-guard.clients[" + i + "].identity"); i++) {
      String where = "sas-guard.clients[" + i + "]";
      String identity = env.getProperty(where + ".identity", "").trim();
      String digest = env.getProperty(where + ".token-sha256", "").trim().toLowerCase(Locale.ROOT);
      if (!IDENTITY.matcher(identity).matches()) {
        throw new IllegalArgumentException(
            where + ".identity \"" + identity + "\" is not a reference such as ClientApplication/<id>");
      }
      if (!SHA256.matcher(digest).matches()) {
        throw new IllegalArgumentException(where + ".token-sha256 must be the SHA-256 of the token, 64 hex digits");
      }
      if (identities.put(digest, identity) != null) {
        throw new IllegalArgumentException(where + ".token-sha256 is given to two clients");
      }
    }
    // Spring also reads it from the environment variable SAS_GUARD_TRUSTED_AUTHORS, the one the bridge reads.
    String trusted = env.getProperty("sas-guard.trusted-authors", "");
    List<String> trustedAuthors =
        List.of(trusted.split(",")).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    return new SasGuardSettings(bridgeUrl, Duration.ofMillis(timeoutMs), Map.copyOf(identities), trustedAuthors);
  }

  /** Whether writers are identified (clients configured): only then are ownership and isolation enforced. */
  public boolean identifiesWriters() {
    return !identitiesByTokenSha256.isEmpty();
  }

  static String sha256Hex(String token) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static URI bridgeUrl(String value) {
    URI uri;
    try {
      uri = URI.create(value.replaceAll("/+$", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("sas-guard.bridge.url \"" + value + "\" is not a URL");
    }
    String host = uri.getHost();
    // The bridge trusts what it is sent: it is reached on this machine only.
    if (!"http".equals(uri.getScheme()) || host == null || !(host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"))) {
      throw new IllegalArgumentException(
          "sas-guard.bridge.url \"" + value + "\" must be http://127.0.0.1:<port> (the bridge listens on loopback only)");
    }
    return uri;
  }
}
