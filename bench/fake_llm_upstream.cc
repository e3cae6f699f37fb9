// A fake OpenAI-style provider for the gateway benchmark
// (bench/llm_gateway_bench.sh): POST /v1/chat/completions answers a fixed
// completion with usage at once, or, with "stream": true, a short stream
// (three chunks and the usage chunk). Answers are made on the event loop, so
// its own cost is as small as the HTTP server's; the benchmark measures it
// directly too, side by side with the gateway.
//
//   stub_fake_llm PORT      (0: any free port; prints "Listening on PORT")
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "server/http_server.h"

namespace {

constexpr const char* kAnswer =
    R"({"id":"chatcmpl-bench","object":"chat.completion","model":"bench-model",)"
    R"("choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}})";

constexpr const char* kStream =
    "data: {\"id\":\"chatcmpl-bench\",\"choices\":[{\"delta\":{\"content\":\"o\"}}]}\n\n"
    "data: {\"id\":\"chatcmpl-bench\",\"choices\":[{\"delta\":{\"content\":\"k\"}}]}\n\n"
    "data: {\"id\":\"chatcmpl-bench\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,"
    "\"completion_tokens\":2,\"total_tokens\":14}}\n\n"
    "data: [DONE]\n\n";

stub::ApiResponse Answer(const stub::ApiRequest& request) {
  stub::ApiResponse r;
  r.headers.emplace_back("x-request-id", "req_bench");
  if (request.body.find("\"stream\":true") != std::string::npos) {
    r.content_type = "text/event-stream";
    auto sent = std::make_shared<bool>(false);
    r.stream = [sent](std::string& out) {
      if (*sent) return false;
      out = kStream;
      *sent = true;
      return true;
    };
    return r;
  }
  r.body = kAnswer;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  stub::HttpServerOptions options;
  options.host = "127.0.0.1";
  options.port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 0);
  options.worker_threads = 4;
  options.stream_poll = std::chrono::milliseconds(1);
  stub::HttpServer server(
      options, [](stub::ApiRequest& r) { return Answer(r); },
      [](stub::ApiRequest& r) -> std::optional<stub::ApiResponse> {
        stub::ApiResponse a = Answer(r);
        if (a.stream) return std::nullopt;  // streams are written from a worker
        return a;
      });
  if (stub::Status s = server.Start(); !s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 1;
  }
  server.StopOnSignals([](int) {});
  std::cout << "Listening on " << server.port() << std::endl;
  server.Run();
  return 0;
}
