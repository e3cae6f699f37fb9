#include "cli/mcp_command.h"

#include <charconv>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "cli/exit_codes.h"
#include "mcp/json_rpc.h"
#include "mcp/mcp_server.h"
#include "mcp/stub_api.h"
#include "server/http_connection.h"

namespace stub {
namespace {

constexpr std::string_view kMcpCommand = "mcp";

struct McpFlags {
  std::string url;
  std::string key;
};

// The tools' StubApi over HTTP to a `stub serve`, as one key.
class HttpStubApi final : public mcp::StubApi {
 public:
  HttpStubApi(std::string host, std::uint16_t port, std::string key)
      : conn_(std::move(host), port), key_(std::move(key)) {}

  Result<mcp::ApiAnswer> Call(const mcp::ApiCall& call) override {
    STUB_ASSIGN_OR_RETURN(HttpAnswer answer,
                          conn_.Send(call.method, mcp::ApiTarget(call), key_, call.body));
    return mcp::ApiAnswer{answer.status, std::move(answer.body)};
  }

 private:
  HttpConnection conn_;
  std::string key_;
};

// "http://host[:port][/]" → a numeric host ("localhost" → 127.0.0.1) and
// port (default 8402).
Status ParseMcpUrl(std::string_view url, std::string& host, std::uint16_t& port) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return UsageError("--url must be http://host:port");
  url.remove_prefix(kScheme.size());
  while (url.ends_with('/')) url.remove_suffix(1);
  if (url.empty() || url.find('/') != std::string_view::npos) {
    return UsageError("--url must be http://host:port");
  }
  port = 8402;
  std::string_view h = url;
  const auto colon = url.rfind(':');
  if (colon != std::string_view::npos && url.find(']', colon) == std::string_view::npos) {
    unsigned value = 0;
    const std::string_view p = url.substr(colon + 1);
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (ec != std::errc() || end != p.data() + p.size() || value == 0 || value > 65535) {
      return UsageError("--url has a bad port '" + std::string(p) + "'");
    }
    port = static_cast<std::uint16_t>(value);
    h = url.substr(0, colon);
  }
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  host = h == "localhost" ? "127.0.0.1" : std::string(h);
  if (host.empty()) return UsageError("--url must be http://host:port");
  return Status::Ok();
}

void WriteMessage(const mcp::Json& message) {
  std::cout << mcp::RpcText(message) << '\n';
  std::cout.flush();
}

int RunMcp(const McpFlags& flags) {
  std::string host;
  std::uint16_t port = 0;
  if (Status s = ParseMcpUrl(flags.url, host, port); !s.ok()) {
    return ReportFailure(kMcpCommand, s);
  }
  if (flags.key.empty()) {
    return ReportFailure(kMcpCommand, UsageError("give --key or set STUB_AGENT_KEY"));
  }
  HttpStubApi api(host, port, flags.key);
  mcp::McpServer server(api, std::string(mcp::kStubVersion));
  std::cerr << "stub mcp: serving MCP on stdio for " << host << ":" << port << "\n";

  std::streambuf* in = std::cin.rdbuf();
  std::string line;
  bool too_long = false;
  auto finish_line = [&] {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (too_long) {
      WriteMessage(mcp::RpcErrorAnswer(
          nullptr, {mcp::kRpcInvalidRequest,
                    "message larger than " + std::to_string(mcp::kMaxRpcMessageBytes) + " bytes"}));
    } else if (line.find_first_not_of(" \t") != std::string::npos) {
      if (std::optional<mcp::Json> answer = server.HandleText(line)) WriteMessage(*answer);
    }
    line.clear();
    too_long = false;
  };
  for (int c = in->sbumpc(); c != std::char_traits<char>::eof(); c = in->sbumpc()) {
    if (c == '\n') {
      finish_line();
    } else if (line.size() <= mcp::kMaxRpcMessageBytes) {
      line.push_back(static_cast<char>(c));
    } else {
      too_long = true;
    }
  }
  if (!line.empty()) finish_line();
  return kExitOk;
}

}  // namespace

Command AddMcpCommand(CLI::App& app) {
  auto flags = std::make_shared<McpFlags>();
  CLI::App* mcp = app.add_subcommand(
      "mcp", "an MCP server on stdio (JSON-RPC lines) giving an agent Stub's tools, as one key");
  mcp->add_option("--url", flags->url, "the Stub server, http://host:port")
      ->default_str("http://127.0.0.1:8402");
  flags->url = "http://127.0.0.1:8402";
  mcp->add_option("--key", flags->key, "the API key the tools act as (an agent key)")
      ->envname("STUB_AGENT_KEY");
  return {mcp, [flags] { return RunMcp(*flags); }};
}

}  // namespace stub
