#include "cli/serve_command.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <vector>

#include "cli/demo_org.h"
#include "cli/demo_seed.h"
#include "cli/root_key_env.h"
#include "cli/secret_key_source.h"
#include "cli/store_url.h"
#include "engine/clock.h"
#include "engine/key_service.h"
#include "server/stub_server.h"

namespace stub {

std::string DefaultStoreUrl() {
  const char* env = std::getenv("STUB_DB");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string("sqlite:./stub.db");
}

Status ParseListen(std::string_view listen, std::string& host, std::uint16_t& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return InvalidArgument("--listen must be host:port, e.g. 127.0.0.1:8402", "invalid_request");
  }
  std::string_view h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  const std::string_view p = listen.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || end != p.data() + p.size() || value > 65535) {
    return InvalidArgument("--listen has a bad port '" + std::string(p) + "'", "invalid_request");
  }
  host = std::string(h);
  port = static_cast<std::uint16_t>(value);
  return Status::Ok();
}

namespace {

constexpr std::string_view kDemoKeyName = "demo-admin";

// Seeds the demo org (a no-op when it is already there) and issues a fresh
// admin key for it, revoking the demo keys issued before.
Result<IssuedKey> PrepareDemo(Store& store, const Clock& clock) {
  std::cout << "Seeding the demo org (the first time takes a few seconds)...\n" << std::flush;
  STUB_RETURN_IF_ERROR(SeedDemo(store, clock.Now()).status());
  KeyService keys(store, clock);
  STUB_ASSIGN_OR_RETURN(std::vector<ApiKeyRow> existing, keys.List(kDemoOrgId));
  for (const ApiKeyRow& key : existing) {
    if (key.name == kDemoKeyName && !key.revoked()) {
      STUB_RETURN_IF_ERROR(keys.Revoke(kDemoOrgId, key.id));
    }
  }
  return keys.Create(kDemoOrgId, KeyRole::kAdmin, "", kDemoKeyName);
}

}  // namespace

Status RunServe(const ServeConfig& config) {
  // Logs (a line per request) go to stderr; stdout carries only what scripts
  // read: the keys shown once and the "Listening on" line.
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "stub", std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
  ServerOptions options;
  STUB_RETURN_IF_ERROR(ParseListen(config.listen, options.http.host, options.http.port));
  STUB_ASSIGN_OR_RETURN(const std::optional<std::string> env_root_key, RootKeyFromEnv());
  if (env_root_key) options.root_key = *env_root_key;
  options.handle_signals = true;
  options.batcher.answer_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(config.answer_timeout_seconds * 1000.0));
  options.http.slow_lane_threads = config.gateway_calls;
  options.sessions.ttl =
      std::chrono::seconds(static_cast<std::int64_t>(config.session_ttl_seconds));
  options.cookie_secure = config.cookie_secure;
  if (!config.ui_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(config.ui_dir, ec)) {
      return InvalidArgument("--ui-dir " + config.ui_dir + " is not a directory",
                             "invalid_request");
    }
    options.ui.dir = config.ui_dir;
  }
  STUB_ASSIGN_OR_RETURN(options.secret_key, ServerSecretKey(config.secret_key_file));
  options.signers = config.signers;
  options.allow_private_fetch = config.allow_private_fetch;
  const std::string url = config.db.empty() ? DefaultStoreUrl() : config.db;
  STUB_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(url));
  SystemClock clock;
  std::optional<IssuedKey> demo_key;
  if (config.demo) {
    STUB_ASSIGN_OR_RETURN(demo_key, PrepareDemo(*store, clock));
  }
  {
    StubServer server(*store, clock, options);
    STUB_RETURN_IF_ERROR(server.Start());
    if (const auto& root = server.created_root_key()) {
      // Shown once, on stdout only (never logged): it is not stored anywhere.
      std::cout << "Created the root key (shown once; store it safely):\n  " << root->secret << "\n"
                << std::flush;
    }
    if (demo_key) {
      const std::string base = "http://" + options.http.host + ":" + std::to_string(server.port());
      std::cout << "Demo org '" << kDemoOrgId
                << "' is ready (teams, agents, limits, weeks of spend).\n"
                << "  admin key (shown once): " << demo_key->secret << "\n"
                << "  try: curl -s -H 'Authorization: Bearer " << demo_key->secret << "' " << base
                << "/v1/budgets\n";
      // The link carries a one-time token in the URL fragment, which browsers
      // never send to a server (nor does it reach a log); never the key.
      STUB_ASSIGN_OR_RETURN(const std::string link, server.IssueSignInLink(demo_key->secret));
      const auto minutes =
          std::chrono::duration_cast<std::chrono::minutes>(options.sessions.link_ttl).count();
      std::cout << "Dashboard: " << base << "/\n"
                << "  sign in: open " << base << "/#signin=" << link << " (single use, expires in "
                << minutes << " minutes), or paste the admin key\n"
                << std::flush;
    }
    // Scripts (and tests, with port 0) read the bound address from here.
    std::cout << "Listening on http://" << options.http.host << ":" << server.port() << "\n"
              << std::flush;
    spdlog::info("stub serving on http://{}:{} (store: {})", options.http.host, server.port(),
                 store->Kind());
    server.Run();
  }  // in-flight requests answered, batcher drained
  store.reset();
  spdlog::info("stub stopped cleanly");
  return Status::Ok();
}

}  // namespace stub
