// Store contract cases for x402 wallets (see store_contract.h): every store
// keeps wallet rows by (org, id), replaces a row on a second put, lists an
// org's wallets by id, never shows one org's rows to another, and a put that
// rolls back leaves nothing.
#include <string>

#include "store_contract.h"

namespace stub::store_testing {
namespace {

WalletRow MakeWallet(const std::string& org, const std::string& id, Timestamp at) {
  return WalletRow{.org = org,
                   .id = id,
                   .config = R"({"signer":"ops","networks":["eip155:8453"]})",
                   .updated_at = at};
}

TEST_P(StoreContractTest, WalletsArePutReplacedAndListedById) {
  const WalletRow main = MakeWallet("acme", "main", kT0);
  const WalletRow base = MakeWallet("acme", "base", kT0 + 1);
  const WalletRow other = MakeWallet("beta", "main", kT0 + 2);
  {
    STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
    STUB_ASSERT_OK(t->PutWallet(main));
    STUB_ASSERT_OK(t->PutWallet(base));
    STUB_ASSERT_OK(t->PutWallet(other));
    STUB_ASSERT_OK_AND_ASSIGN(auto own, t->GetWallet("acme", "main"));
    EXPECT_EQ(own, main);
    STUB_ASSERT_OK_AND_ASSIGN(auto own_list, t->ListWallets("acme"));
    EXPECT_EQ(own_list.size(), 2u);
    Read([&](Transaction& r) {
      STUB_ASSERT_OK_AND_ASSIGN(auto unseen, r.GetWallet("acme", "main"));
      EXPECT_FALSE(unseen.has_value());
    });
    STUB_ASSERT_OK(t->Commit());
  }
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto list, r.ListWallets("acme"));
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0], base);  // by id: base < main
    EXPECT_EQ(list[1], main);
    STUB_ASSERT_OK_AND_ASSIGN(auto beta, r.ListWallets("beta"));
    ASSERT_EQ(beta.size(), 1u);
    EXPECT_EQ(beta[0], other);
    STUB_ASSERT_OK_AND_ASSIGN(auto none, r.GetWallet("acme", "spare"));
    EXPECT_FALSE(none.has_value());
    STUB_ASSERT_OK_AND_ASSIGN(auto nobody, r.ListWallets("gamma"));
    EXPECT_TRUE(nobody.empty());
  });

  WalletRow replaced = main;
  replaced.config = R"({"signer":"kms","networks":["base"]})";
  replaced.updated_at = kT0 + 50;
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.PutWallet(replaced); }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto got, r.GetWallet("acme", "main"));
    EXPECT_EQ(got, replaced);
    STUB_ASSERT_OK_AND_ASSIGN(auto list, r.ListWallets("acme"));
    EXPECT_EQ(list.size(), 2u);
    STUB_ASSERT_OK_AND_ASSIGN(auto beta, r.GetWallet("beta", "main"));
    EXPECT_EQ(beta, other);
  });
}

TEST_P(StoreContractTest, AWalletPutThatRollsBackLeavesNothing) {
  {
    STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
    STUB_ASSERT_OK(t->PutWallet(MakeWallet("acme", "main", kT0)));
    t->Rollback();
  }
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto got, r.GetWallet("acme", "main"));
    EXPECT_FALSE(got.has_value());
  });
}

}  // namespace
}  // namespace stub::store_testing
