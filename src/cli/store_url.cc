#include "cli/store_url.h"

#include <chrono>
#include <cstdlib>
#include <string>

#include "store/memory/memory_store.h"
#include "store/postgres/dsql_url.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace stub {

Result<std::unique_ptr<Store>> OpenStore(std::string_view url) {
  if (url == "memory:" || url == "memory") {
    return std::unique_ptr<Store>(std::make_unique<MemoryStore>());
  }
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.substr(0, kSqlite.size()) == kSqlite) {
    const std::string path(url.substr(kSqlite.size()));
    if (path.empty()) return InvalidArgument("sqlite: needs a path, e.g. sqlite:./stub.db");
    STUB_ASSIGN_OR_RETURN(auto store, SqliteStore::Open(path));
    return std::unique_ptr<Store>(std::move(store));
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    STUB_ASSIGN_OR_RETURN(auto store, PostgresStore::Open(std::string(url)));
    return std::unique_ptr<Store>(std::move(store));
  }
  if (url.starts_with("dsql://")) {
    STUB_ASSIGN_OR_RETURN(DsqlUrl dsql, ParseDsqlUrl(url));
    DsqlEnvironment env{
        .now =
            [] {
              return std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                  .count();
            },
        .getenv = [](const char* name) -> const char* { return std::getenv(name); },
    };
    STUB_ASSIGN_OR_RETURN(auto store, PostgresStore::Open(DsqlConninfo(dsql),
                                                          DsqlStoreOptions(dsql, std::move(env))));
    return std::unique_ptr<Store>(std::move(store));
  }
  return InvalidArgument("unsupported store URL '" + std::string(url) +
                         "' (expected memory:, sqlite:PATH, postgres://… or dsql://…)");
}

}  // namespace stub
