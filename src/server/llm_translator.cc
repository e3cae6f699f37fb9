#include "server/llm_translator.h"

// Boost 1.74 with g++ 12: <utility> before the Asio headers.
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>
#include <memory>
#include <utility>

#include "core/json_input.h"
#include "core/time_util.h"

namespace stub {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Json = nlohmann::json;

constexpr const char* kTool = "query_ledger";
constexpr std::size_t kMaxResponseBytes = 1 << 20;

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;  // without a trailing slash
};

std::optional<Url> ParseUrl(const std::string& s) {
  Url u;
  std::string rest;
  if (s.starts_with("https://")) {
    u.tls = true;
    rest = s.substr(8);
  } else if (s.starts_with("http://")) {
    rest = s.substr(7);
  } else {
    return std::nullopt;
  }
  const std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.empty() || u.port.empty()) return std::nullopt;
  return u;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

// One POST; the response body, or nullopt on any failure or after the
// deadline.
std::optional<std::string> Post(const LlmOptions& o, const Url& url, const std::string& body) {
  asio::io_context io;
  std::optional<std::string> out;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_default_verify_paths();
  tls.set_verify_mode(asio::ssl::verify_peer);
  http::request<http::string_body> req{http::verb::post, url.path + "/chat/completions", 11};
  req.set(http::field::host, url.host);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::authorization, "Bearer " + o.api_key);
  req.set(http::field::user_agent, "stub");
  req.body() = body;
  req.prepare_payload();
  auto run = [&]() -> asio::awaitable<void> {
    tcp::resolver resolver(io);
    auto endpoints = co_await resolver.async_resolve(url.host, url.port, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBytes);
    if (url.tls) {
      beast::ssl_stream<beast::tcp_stream> stream(io, tls);
      if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) co_return;
      stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
      co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
      co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
      co_await http::async_write(stream, req, asio::use_awaitable);
      co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
    } else {
      beast::tcp_stream stream(io);
      co_await stream.async_connect(endpoints, asio::use_awaitable);
      co_await http::async_write(stream, req, asio::use_awaitable);
      co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
    }
    if (parser.get().result_int() == 200) {
      out = std::move(parser.get().body());
    } else {
      spdlog::warn("llm: {} answered {}; the parser answers instead", url.host,
                   parser.get().result_int());
    }
  };
  asio::co_spawn(io, run(), [&](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::warn("llm: call to {} failed: {}; the parser answers instead", url.host, ex.what());
      }
    }
  });
  io.run_for(o.timeout);
  if (!io.stopped()) {
    spdlog::warn("llm: no answer from {} within {} ms; the parser answers instead", url.host,
                 o.timeout.count());
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::optional<LlmOptions> LlmOptionsFromEnv() {
  LlmOptions o;
  o.base_url = Env("STUB_LLM_BASE_URL");
  o.api_key = Env("STUB_LLM_API_KEY");
  o.model = Env("STUB_LLM_MODEL");
  if (o.base_url.empty() || o.api_key.empty() || o.model.empty()) return std::nullopt;
  return o;
}

nlohmann::json LlmRequestBody(const LlmOptions& options, std::string_view question,
                              const QueryCatalogue& catalogue, Timestamp now) {
  Json teams = Json::array();
  Json agents = Json::array();
  for (const Node& n : catalogue.tree) {
    if (n.kind == NodeKind::kTeam) {
      teams.push_back({{"id", n.id}, {"name", n.name}, {"parent", n.parent}});
    } else if (n.kind == NodeKind::kAgent) {
      agents.push_back({{"id", n.id}, {"name", n.name}, {"team", n.parent}});
    }
  }
  const Json names = {{"teams", teams},
                      {"agents", agents},
                      {"vendors", catalogue.vendors},
                      {"categories", catalogue.categories},
                      {"users", catalogue.users}};
  const std::string system =
      "You translate questions about an organisation's AI-agent spending into one call of "
      "the tool " +
      std::string(kTool) +
      ". Use only the ids listed below. Times are RFC 3339 UTC; `to` is exclusive. Now is " +
      FormatRfc3339(now) +
      ". If the question cannot be expressed with the tool's parameters, call it with "
      "nothing rather than guess. Names: " +
      names.dump();
  Json tool = {{"type", "function"},
               {"function",
                {{"name", kTool},
                 {"description", "Answer a question about the ledger with a typed query."},
                 {"parameters", QuerySpecJsonSchema()}}}};
  return {{"model", options.model},
          {"temperature", 0},
          {"messages",
           {{{"role", "system"}, {"content", system}},
            {{"role", "user"}, {"content", std::string(question)}}}},
          {"tools", Json::array({tool})},
          {"tool_choice", {{"type", "function"}, {"function", {{"name", kTool}}}}}};
}

std::optional<QuerySpec> SpecFromLlmResponse(std::string_view body) {
  // The upstream's answer is input like any other: bounded while parsed.
  const JsonLimits limits{
      .max_bytes = kMaxResponseBytes, .max_string_bytes = kMaxResponseBytes, .allow_nul = true};
  const auto parsed = ParseBoundedJson(body, limits);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  const Json& j = *parsed;
  Json call;
  if (j.contains("choices") && j["choices"].is_array() && !j["choices"].empty() &&
      j["choices"][0].is_object()) {
    const Json msg = j["choices"][0].value("message", Json::object());
    if (msg.is_object() && msg.contains("tool_calls") && msg["tool_calls"].is_array() &&
        !msg["tool_calls"].empty()) {
      call = msg["tool_calls"][0];
    }
  }
  if (!call.is_object() || !call.contains("function") || !call["function"].is_object()) {
    return std::nullopt;
  }
  const Json& fn = call["function"];
  if (fn.value("name", "") != kTool || !fn.contains("arguments") || !fn["arguments"].is_string()) {
    return std::nullopt;
  }
  const auto args = ParseBoundedJson(fn["arguments"].get<std::string>(), limits);
  if (!args.ok()) return std::nullopt;
  auto spec = QuerySpecFromJson(*args);
  if (!spec.ok()) {
    spdlog::warn("llm: the tool call does not validate ({}); the parser answers instead",
                 spec.status().message());
    return std::nullopt;
  }
  return *spec;
}

QuestionTranslator MakeLlmTranslator(LlmOptions options) {
  return [options = std::move(options)](std::string_view question, const QueryCatalogue& cat,
                                        Timestamp now) -> std::optional<QuerySpec> {
    auto url = ParseUrl(options.base_url);
    if (!url) return std::nullopt;
    auto body = Post(options, *url, LlmRequestBody(options, question, cat, now).dump());
    if (!body) return std::nullopt;
    return SpecFromLlmResponse(*body);
  };
}

QueryService::Options QueryServiceOptionsFromEnv() {
  QueryService::Options o;
  if (auto llm = LlmOptionsFromEnv()) o.translator = MakeLlmTranslator(std::move(*llm));
  return o;
}

}  // namespace stub
