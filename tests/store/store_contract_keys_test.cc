// Store contract cases for API keys (see store_contract.h): every store keeps
// key rows (hashes only), finds them by hash, lists them per org and revokes
// them, with the same transactional visibility as every other row.
#include <string>
#include <vector>

#include "store_contract.h"

namespace stub::store_testing {
namespace {

ApiKeyRow MakeKey(const std::string& org, const std::string& id, char hash_digit,
                  KeyRole role = KeyRole::kAdmin, const std::string& agent = "") {
  ApiKeyRow k;
  k.id = id;
  k.org = org;
  k.hash = std::string(64, hash_digit);
  k.role = role;
  k.agent = agent;
  k.name = "key " + id;
  k.created_at = kT0;
  return k;
}

std::vector<std::string> KeyIds(const std::vector<ApiKeyRow>& keys) {
  std::vector<std::string> ids;
  for (const auto& k : keys) ids.push_back(k.id);
  return ids;
}

TEST_P(StoreContractTest, KeysAreFoundByHashListedPerOrgAndRevoked) {
  const ApiKeyRow root = MakeKey("", "key_root", '0', KeyRole::kRoot);
  const ApiKeyRow admin = MakeKey("acme", "key_b", 'b');
  const ApiKeyRow agent = MakeKey("acme", "key_a", 'a', KeyRole::kAgent, "agent-1");
  const ApiKeyRow other = MakeKey("beta", "key_c", 'c', KeyRole::kFinance);
  {
    STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
    for (const ApiKeyRow& k : {root, admin, agent, other}) STUB_ASSERT_OK(t->InsertKey(k));
    // Its own writes are visible to the transaction, not to others.
    STUB_ASSERT_OK_AND_ASSIGN(auto own, t->GetKeyByHash(agent.hash));
    EXPECT_EQ(own, agent);
    Read([&](Transaction& r) {
      STUB_ASSERT_OK_AND_ASSIGN(auto unseen, r.GetKeyByHash(agent.hash));
      EXPECT_FALSE(unseen.has_value());
    });
    STUB_ASSERT_OK(t->Commit());
  }
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto got, r.GetKeyByHash(agent.hash));
    EXPECT_EQ(got, agent);
    STUB_ASSERT_OK_AND_ASSIGN(auto got_root, r.GetKeyByHash(root.hash));
    EXPECT_EQ(got_root, root);
    STUB_ASSERT_OK_AND_ASSIGN(auto none, r.GetKeyByHash(std::string(64, 'f')));
    EXPECT_FALSE(none.has_value());
    STUB_ASSERT_OK_AND_ASSIGN(auto acme, r.ListKeys("acme"));
    EXPECT_EQ(acme, (std::vector<ApiKeyRow>{agent, admin}));  // ordered by id
    STUB_ASSERT_OK_AND_ASSIGN(auto roots, r.ListKeys(""));
    EXPECT_EQ(KeyIds(roots), std::vector<std::string>{"key_root"});
    STUB_ASSERT_OK_AND_ASSIGN(auto nobody, r.ListKeys("gamma"));
    EXPECT_TRUE(nobody.empty());
  });

  // Revocation: visible at once after commit; a second one keeps the first
  // time; another org's key is not found.
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.RevokeKey("acme", "key_a", kT0 + 10); }));
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.RevokeKey("acme", "key_a", kT0 + 20); }));
  const Status cross = Apply([&](Transaction& t) { return t.RevokeKey("acme", "key_c", kT0); });
  EXPECT_EQ(cross.code(), StatusCode::kNotFound) << cross.ToString();
  const Status unknown = Apply([&](Transaction& t) { return t.RevokeKey("acme", "key_z", kT0); });
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound) << unknown.ToString();
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto got, r.GetKeyByHash(agent.hash));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->revoked_at, kT0 + 10);
    EXPECT_TRUE(got->revoked());
    STUB_ASSERT_OK_AND_ASSIGN(auto still, r.GetKeyByHash(other.hash));
    ASSERT_TRUE(still.has_value());
    EXPECT_EQ(still->revoked_at, 0);
  });
}

TEST_P(StoreContractTest, KeyInsertRefusesAnExistingHashOrIdAndRollbackLeavesNone) {
  const ApiKeyRow first = MakeKey("acme", "key_a", 'a');
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.InsertKey(first); }));
  const Status same_hash =
      Apply([&](Transaction& t) { return t.InsertKey(MakeKey("acme", "key_x", 'a')); });
  EXPECT_EQ(same_hash.code(), StatusCode::kAlreadyExists) << same_hash.ToString();
  const Status same_id =
      Apply([&](Transaction& t) { return t.InsertKey(MakeKey("beta", "key_a", 'e')); });
  EXPECT_EQ(same_id.code(), StatusCode::kAlreadyExists) << same_id.ToString();
  {
    STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
    STUB_ASSERT_OK(t->InsertKey(MakeKey("acme", "key_b", 'b')));
    t->Rollback();
  }
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto keys, r.ListKeys("acme"));
    EXPECT_EQ(keys, std::vector<ApiKeyRow>{first});
    STUB_ASSERT_OK_AND_ASSIGN(auto beta, r.ListKeys("beta"));
    EXPECT_TRUE(beta.empty());
  });
}

}  // namespace
}  // namespace stub::store_testing
