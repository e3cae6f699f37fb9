// Store contract cases for dashboard sessions (see store_contract.h): every
// store keeps session rows by token hash, deletes them (idempotently) and
// sweeps expired ones in bounded steps, with the same transactional
// visibility as every other row.
#include <string>

#include "store_contract.h"

namespace stub::store_testing {
namespace {

SessionRow MakeSession(char hash_digit, Timestamp expires_at, const std::string& org = "acme") {
  SessionRow s;
  s.token_hash = std::string(64, hash_digit);
  s.key_id = "key_" + std::string(1, hash_digit);
  s.key_hash = std::string(64, 'k');
  s.org = org;
  s.csrf_token = std::string(64, 'c');
  s.created_at = kT0;
  s.expires_at = expires_at;
  return s;
}

TEST_P(StoreContractTest, SessionsAreFoundByHashAndDeleted) {
  const SessionRow a = MakeSession('a', kT0 + 100);
  const SessionRow b = MakeSession('b', kT0 + 200, "beta");
  {
    STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
    STUB_ASSERT_OK(t->InsertSession(a));
    STUB_ASSERT_OK(t->InsertSession(b));
    // Its own writes are visible to the transaction, not to others.
    STUB_ASSERT_OK_AND_ASSIGN(auto own, t->GetSession(a.token_hash));
    EXPECT_EQ(own, a);
    Read([&](Transaction& r) {
      STUB_ASSERT_OK_AND_ASSIGN(auto unseen, r.GetSession(a.token_hash));
      EXPECT_FALSE(unseen.has_value());
    });
    STUB_ASSERT_OK(t->Commit());
  }
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto got_a, r.GetSession(a.token_hash));
    EXPECT_EQ(got_a, a);
    STUB_ASSERT_OK_AND_ASSIGN(auto got_b, r.GetSession(b.token_hash));
    EXPECT_EQ(got_b, b);
    STUB_ASSERT_OK_AND_ASSIGN(auto none, r.GetSession(std::string(64, 'f')));
    EXPECT_FALSE(none.has_value());
  });

  // A second insert of the same hash is refused.
  const Status dup = Apply([&](Transaction& t) { return t.InsertSession(a); });
  EXPECT_TRUE(dup.code() == StatusCode::kAlreadyExists || dup.code() == StatusCode::kConflict)
      << dup.ToString();

  // Deleting: gone for later transactions; deleting again (or an unknown
  // hash) is not an error; the other session stays.
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.DeleteSession(a.token_hash); }));
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.DeleteSession(a.token_hash); }));
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.DeleteSession(std::string(64, 'f')); }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto gone, r.GetSession(a.token_hash));
    EXPECT_FALSE(gone.has_value());
    STUB_ASSERT_OK_AND_ASSIGN(auto kept, r.GetSession(b.token_hash));
    EXPECT_EQ(kept, b);
  });

  // A deleted hash may be inserted again (a new row, not a resurrection).
  SessionRow again = a;
  again.expires_at = kT0 + 999;
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.InsertSession(again); }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto got, r.GetSession(a.token_hash));
    EXPECT_EQ(got, again);
  });
}

TEST_P(StoreContractTest, ExpiredSessionsAreSweptInBoundedSteps) {
  STUB_ASSERT_OK(Apply([&](Transaction& t) -> Status {
    STUB_RETURN_IF_ERROR(t.InsertSession(MakeSession('1', kT0 + 10)));
    STUB_RETURN_IF_ERROR(t.InsertSession(MakeSession('2', kT0 + 20)));
    STUB_RETURN_IF_ERROR(t.InsertSession(MakeSession('3', kT0 + 30)));
    return t.InsertSession(MakeSession('4', kT0 + 40));
  }));
  auto sweep = [&](Timestamp now, std::size_t limit) {
    std::size_t n = 0;
    const Status s = Apply([&](Transaction& t) -> Status {
      auto deleted = t.DeleteExpiredSessions(now, limit);
      if (!deleted.ok()) return deleted.status();
      n = *deleted;
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return n;
  };
  EXPECT_EQ(sweep(kT0 + 5, 10), 0u);  // none expired yet
  EXPECT_EQ(sweep(kT0 + 30, 2), 2u);  // three expired (at <= now), two a step
  EXPECT_EQ(sweep(kT0 + 30, 2), 1u);
  EXPECT_EQ(sweep(kT0 + 30, 2), 0u);
  Read([&](Transaction& r) {
    for (char d : {'1', '2', '3'}) {
      STUB_ASSERT_OK_AND_ASSIGN(auto gone, r.GetSession(std::string(64, d)));
      EXPECT_FALSE(gone.has_value()) << d;
    }
    STUB_ASSERT_OK_AND_ASSIGN(auto live, r.GetSession(std::string(64, '4')));
    ASSERT_TRUE(live.has_value());
    EXPECT_EQ(live->expires_at, kT0 + 40);
  });
}

}  // namespace
}  // namespace stub::store_testing
