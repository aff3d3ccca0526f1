package dev.sasguard.hapi;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** HTTP/1.1 to the Node bridge over kept-alive loopback connections, each exchange bounded by the configured timeout. */
final class BridgeClient {

  record Answer(int status, String body) {}

  private final HttpClient http;
  private final URI judgeUrl;
  private final Duration timeout;

  BridgeClient(URI bridgeUrl, Duration timeout) {
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    this.judgeUrl = URI.create(bridgeUrl + "/judge");
    this.timeout = timeout;
  }

  /** POSTs a judgement request; throws BridgeUnavailableException when no answer came in time. */
  Answer judge(String json) {
    HttpRequest request =
        HttpRequest.newBuilder(judgeUrl)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
            .build();
    try {
      return send(request);
    } catch (HttpTimeoutException e) {
      throw new BridgeUnavailableException("le bridge n'a pas répondu en " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      // A kept-alive connection the bridge had just closed: the judgement is a pure function, ask once more.
      try {
        return send(request);
      } catch (IOException again) {
        throw new BridgeUnavailableException("bridge injoignable à " + judgeUrl.resolve("/"));
      }
    }
  }

  private Answer send(HttpRequest request) throws IOException {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Answer(response.statusCode(), response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BridgeUnavailableException("interrompu");
    }
  }
}
