// A throwaway PostgreSQL cluster for the tests of one test binary.
//
// Started at first use (so test runs that filter out the PostgreSQL tests
// never start it) and stopped, its directory removed, by a GoogleTest global
// Environment at the end of the run. It runs Debian's server binaries
// (/usr/lib/postgresql/<version>/bin, the newest; $STUB_PG_BINDIR overrides):
// initdb into a fresh temp dir (as user `postgres` when the tests run as
// root, since the server refuses to run as root), listening on a free TCP
// port of 127.0.0.1 only, its Unix socket inside the temp dir, trust
// authentication, fsync off. Tests stay independent by taking a fresh
// database each (NewDatabase).
//
// If the binaries are missing or the cluster does not start, every call
// returns an error with the reason (tests then fail; they must not skip: CI
// installs the `postgresql` package via scripts/setup.sh).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace stub::pg_testing {

// Creates a new, empty database in the cluster (starting the cluster on
// first use) and returns a libpq conninfo string for it.
Result<std::string> NewDatabase();

// Runs `sql` (fixed test text) as the superuser on database `dbname` and
// returns the first column of every row, as text.
Result<std::vector<std::string>> AdminQuery(const std::string& dbname, const std::string& sql);

// Crashes the cluster: `pg_ctl stop -m immediate` ends every backend at
// once, without a checkpoint, so WAL not yet written out is lost as in a
// server crash, and every connection breaks. Later tests of the binary need
// RestartCluster first.
Status CrashCluster();

// Starts the crashed cluster again, on the same port (it runs crash recovery
// first), and returns once it accepts connections.
Status RestartCluster();

// The database name of a conninfo returned by NewDatabase.
std::string DatabaseOf(const std::string& conninfo);

}  // namespace stub::pg_testing
