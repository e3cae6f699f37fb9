#include "cli/command.h"

#include <iostream>

#include "cli/exit_codes.h"
#include "cli/store_url.h"

namespace stub {

void AddDbOption(CLI::App& cmd, std::string& url) {
  url = std::string(kDefaultDb);
  cmd.add_option("--db", url, "store URL: sqlite:PATH, postgres://…, dsql://… or memory:")
      ->envname("STUB_DB")
      ->capture_default_str();
}

void AddOrgOption(CLI::App& cmd, std::string& org) {
  cmd.add_option("--org", org, "the org (default: the only org in the database)");
}

int ReportFailure(std::string_view command, const Status& status) {
  std::cerr << "stub " << command << ": " << status.message() << "\n";
  return ExitCodeFor(status);
}

Result<std::unique_ptr<Store>> OpenCommandStore(const std::string& url) { return OpenStore(url); }

Result<std::string> ResolveOrg(Store& store, const std::string& flag) {
  TxnOptions read;
  read.read_only = true;
  STUB_ASSIGN_OR_RETURN(auto txn, store.Begin(read));
  if (!flag.empty()) {
    STUB_ASSIGN_OR_RETURN(auto org, txn->GetOrg(flag));
    if (!org) return NotFound("unknown org '" + flag + "'", "not_found");
    return flag;
  }
  STUB_ASSIGN_OR_RETURN(auto orgs, txn->ListOrgs());
  if (orgs.size() == 1) return orgs.front();
  if (orgs.empty()) {
    return UsageError("the database holds no org yet: create one with `stub org create`");
  }
  return UsageError("the database holds several orgs: pass --org");
}

int RunOnOrg(std::string_view command, const std::string& db, const std::string& org_flag,
             const std::function<int(Engine& engine, const std::string& org)>& body) {
  auto store = OpenCommandStore(db);
  if (!store.ok()) return ReportFailure(command, store.status());
  auto org = ResolveOrg(**store, org_flag);
  if (!org.ok()) return ReportFailure(command, org.status());
  static const SystemClock clock;
  Engine engine(**store, clock);
  return body(engine, *org);
}

}  // namespace stub
