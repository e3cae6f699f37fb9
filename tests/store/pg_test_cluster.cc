#include "pg_test_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace stub::pg_testing {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs argv (no shell), stdout and stderr appended to `log`; the exit code,
// or -1 if it could not run.
int Run(const std::vector<std::string>& argv, const fs::path& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The newest /usr/lib/postgresql/<version>/bin holding initdb, or empty.
std::string FindBinDir() {
  if (const char* env = std::getenv("STUB_PG_BINDIR"); env != nullptr && *env != '\0') {
    return env;
  }
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const fs::path bin = e.path() / "bin";
    if (!fs::exists(bin / "initdb") || !fs::exists(bin / "pg_ctl")) continue;
    const int version = std::atoi(e.path().filename().c_str());
    if (version > best_version) {
      best_version = version;
      best = bin.string();
    }
  }
  return best;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string FindRunuser() {
  for (const char* p : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"}) {
    if (fs::exists(p)) return p;
  }
  return {};
}

class Cluster {
 public:
  ~Cluster() { Stop(); }

  Status Start() {
    bin_ = FindBinDir();
    if (bin_.empty() || !fs::exists(fs::path(bin_) / "initdb")) {
      return FailedPrecondition(
          "PostgreSQL server binaries (initdb, pg_ctl) not found under "
          "/usr/lib/postgresql/*/bin or $STUB_PG_BINDIR (install the `postgresql` package: "
          "scripts/setup.sh)");
    }
    std::string tmpl = (fs::temp_directory_path() / "stub-pg-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return Internal("mkdtemp failed");
    dir_ = tmpl;
    log_ = dir_ / "setup.log";
    if (geteuid() == 0) {
      runuser_ = FindRunuser();
      if (runuser_.empty()) return FailedPrecondition("running as root but runuser not found");
      const passwd* pw = getpwnam("postgres");
      if (pw == nullptr) return FailedPrecondition("running as root but no `postgres` user");
      if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return Internal("chown failed");
      // The log is written by us and by the postgres user.
      std::ofstream(log_.string()).close();
      if (chown(log_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return Internal("chown failed");
    }
    data_ = dir_ / "data";
    if (Run(As({bin_ + "/initdb", "-D", data_.string(), "-U", "postgres", "-A", "trust", "-E",
                "UTF8", "--locale=C", "--no-sync"}),
            log_) != 0) {
      return Internal("initdb failed:\n" + ReadFile(log_));
    }
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = FreePort();
      if (port_ <= 0) continue;
      opts_ = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) +
              " -c unix_socket_directories=" + dir_.string() +
              " -c fsync=off -c synchronous_commit=off"
              " -c full_page_writes=off -c max_connections=300";
      if (PgCtlStart() == 0) {
        started_ = true;
        break;
      }
    }
    if (!started_) {
      return Internal("pg_ctl start failed:\n" + ReadFile(log_) + "\nserver log:\n" +
                      ReadFile(dir_ / "server.log"));
    }
    // Ready: pg_ctl -w waited; still confirm a connection (bounded).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      PGconn* c = PQconnectdb(Conninfo("postgres").c_str());
      const bool ok = PQstatus(c) == CONNECTION_OK;
      PQfinish(c);
      if (ok) break;
      if (std::chrono::steady_clock::now() > deadline) {
        return Unavailable("the test cluster does not accept connections:\n" +
                           ReadFile(dir_ / "server.log"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Status::Ok();
  }

  void Stop() {
    if (started_) {
      (void)Run(As({bin_ + "/pg_ctl", "-D", data_.string(), "-m", "immediate", "-w", "stop"}),
                log_);
      started_ = false;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
      dir_.clear();
    }
  }

  Status Crash() {
    if (!started_) return FailedPrecondition("the test cluster is not running");
    if (Run(As({bin_ + "/pg_ctl", "-D", data_.string(), "-m", "immediate", "-w", "stop"}), log_) !=
        0) {
      return Internal("pg_ctl stop -m immediate failed:\n" + ReadFile(log_));
    }
    started_ = false;
    return Status::Ok();
  }

  Status Restart() {
    if (started_) return FailedPrecondition("the test cluster is running");
    if (PgCtlStart() != 0) {
      return Internal("pg_ctl start (after a crash) failed:\n" + ReadFile(log_) +
                      "\nserver log:\n" + ReadFile(dir_ / "server.log"));
    }
    started_ = true;
    return Status::Ok();
  }

  std::string Conninfo(const std::string& dbname) const {
    return "host=127.0.0.1 port=" + std::to_string(port_) +
           " user=postgres connect_timeout=10 dbname=" + dbname;
  }

 private:
  std::vector<std::string> As(std::vector<std::string> argv) const {
    if (runuser_.empty()) return argv;
    std::vector<std::string> out = {runuser_, "-u", "postgres", "--"};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
  }

  int PgCtlStart() const {
    return Run(As({bin_ + "/pg_ctl", "-D", data_.string(), "-l", (dir_ / "server.log").string(),
                   "-w", "-t", "60", "-o", opts_, "start"}),
               log_);
  }

  std::string bin_;
  std::string opts_;
  std::string runuser_;
  fs::path dir_;
  fs::path data_;
  fs::path log_;
  int port_ = 0;
  bool started_ = false;
};

std::mutex g_mu;
std::unique_ptr<Cluster> g_cluster;  // guarded by g_mu
std::optional<Status> g_start;       // the outcome of the one start attempt
int g_next_db = 0;

Result<Cluster*> Get() {
  std::lock_guard lock(g_mu);
  if (!g_start) {
    g_cluster = std::make_unique<Cluster>();
    g_start = g_cluster->Start();
    if (!g_start->ok()) g_cluster->Stop();
  }
  if (!g_start->ok()) {
    return Status(g_start->code(), "postgres test cluster: " + g_start->message());
  }
  return g_cluster.get();
}

class ClusterEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    std::lock_guard lock(g_mu);
    g_cluster.reset();
  }
};

[[maybe_unused]] ::testing::Environment* const g_env =
    ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);

}  // namespace

Result<std::vector<std::string>> AdminQuery(const std::string& dbname, const std::string& sql) {
  STUB_ASSIGN_OR_RETURN(Cluster * cluster, Get());
  PGconn* c = PQconnectdb(cluster->Conninfo(dbname).c_str());
  std::vector<std::string> out;
  Status status;
  if (PQstatus(c) != CONNECTION_OK) {
    status = Unavailable(std::string("admin connect: ") + PQerrorMessage(c));
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    const ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK) {
      for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
    } else if (st != PGRES_COMMAND_OK) {
      status = Internal("admin query `" + sql + "`: " + PQresultErrorMessage(r));
    }
    PQclear(r);
  }
  PQfinish(c);
  if (!status.ok()) return status;
  return out;
}

Result<std::string> NewDatabase() {
  STUB_ASSIGN_OR_RETURN(Cluster * cluster, Get());
  std::string name;
  {
    std::lock_guard lock(g_mu);
    name = "stub_test_" + std::to_string(++g_next_db);
  }
  STUB_RETURN_IF_ERROR(AdminQuery("postgres", "CREATE DATABASE " + name).status());
  return cluster->Conninfo(name);
}

Status CrashCluster() {
  STUB_ASSIGN_OR_RETURN(Cluster * cluster, Get());
  std::lock_guard lock(g_mu);
  return cluster->Crash();
}

Status RestartCluster() {
  STUB_ASSIGN_OR_RETURN(Cluster * cluster, Get());
  std::lock_guard lock(g_mu);
  return cluster->Restart();
}

std::string DatabaseOf(const std::string& conninfo) {
  const auto at = conninfo.rfind("dbname=");
  return at == std::string::npos ? std::string() : conninfo.substr(at + 7);
}

}  // namespace stub::pg_testing
