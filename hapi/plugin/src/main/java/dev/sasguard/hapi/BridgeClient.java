package dev.sasguard.hapi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * HTTP/1.1 to the Node bridge over loopback: the JDK's kept-alive connections (HttpURLConnection reuses them when a
 * response is read to its end), each exchange bounded by the configured timeout (to connect, then to answer).
 */
final class BridgeClient {

  record Answer(int status, String body) {}

  private final URL judgeUrl;
  private final int timeoutMs;

  BridgeClient(URI bridgeUrl, Duration timeout) {
    try {
      this.judgeUrl = URI.create(bridgeUrl + "/judge").toURL();
    } catch (java.net.MalformedURLException e) {
      throw new IllegalArgumentException(e);
    }
    this.timeoutMs = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
  }

  /** POSTs a judgement request; throws BridgeUnavailableException when no answer came in time. */
  Answer judge(String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    try {
      return send(body);
    } catch (SocketTimeoutException e) {
      throw new BridgeUnavailableException("le bridge n'a pas répondu en " + timeoutMs + " ms");
    } catch (IOException e) {
      // A kept-alive connection the bridge had just closed: the judgement is a pure function, ask once more.
      try {
        return send(body);
      } catch (SocketTimeoutException again) {
        throw new BridgeUnavailableException("le bridge n'a pas répondu en " + timeoutMs + " ms");
      } catch (IOException again) {
        throw new BridgeUnavailableException("bridge injoignable à " + judgeUrl.getProtocol() + "://" + judgeUrl.getAuthority());
      }
    }
  }

  private Answer send(byte[] body) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) judgeUrl.openConnection();
    connection.setConnectTimeout(timeoutMs);
    connection.setReadTimeout(timeoutMs);
    connection.setRequestMethod("POST");
    connection.setDoOutput(true);
    connection.setFixedLengthStreamingMode(body.length);
    connection.setRequestProperty("Content-Type", "application/json");
    try (OutputStream out = connection.getOutputStream()) {
      out.write(body);
    }
    int status = connection.getResponseCode();
    InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    if (in != null) {
      try (in) {
        in.transferTo(answer);
      }
    }
    return new Answer(status, answer.toString(StandardCharsets.UTF_8));
  }
}
