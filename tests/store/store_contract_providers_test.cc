// Store contract cases for LLM providers (see store_contract.h): every store
// keeps provider rows by (org, name), replaces a row on a second put, lists
// an org's providers by name, and never shows one org's rows to another.
#include <string>

#include "store_contract.h"

namespace stub::store_testing {
namespace {

ProviderRow MakeProvider(const std::string& org, const std::string& name, Timestamp at) {
  return ProviderRow{.org = org,
                     .name = name,
                     .config = R"({"kind":"openai","base_url":"https://api.openai.com/v1"})",
                     .sealed_key = "sb1.sealed-" + org + "-" + name,
                     .updated_at = at};
}

TEST_P(StoreContractTest, ProvidersArePutReplacedAndListedByName) {
  const ProviderRow b = MakeProvider("acme", "openai", kT0);
  const ProviderRow a = MakeProvider("acme", "anthropic", kT0 + 1);
  const ProviderRow other = MakeProvider("beta", "openai", kT0 + 2);
  {
    STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
    STUB_ASSERT_OK(t->PutProvider(b));
    STUB_ASSERT_OK(t->PutProvider(a));
    STUB_ASSERT_OK(t->PutProvider(other));
    // Its own writes are visible to the transaction, not to others.
    STUB_ASSERT_OK_AND_ASSIGN(auto own, t->GetProvider("acme", "openai"));
    EXPECT_EQ(own, b);
    Read([&](Transaction& r) {
      STUB_ASSERT_OK_AND_ASSIGN(auto unseen, r.GetProvider("acme", "openai"));
      EXPECT_FALSE(unseen.has_value());
    });
    STUB_ASSERT_OK(t->Commit());
  }
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto list, r.ListProviders("acme"));
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0], a);  // by name: anthropic < openai
    EXPECT_EQ(list[1], b);
    STUB_ASSERT_OK_AND_ASSIGN(auto beta, r.ListProviders("beta"));
    ASSERT_EQ(beta.size(), 1u);
    EXPECT_EQ(beta[0], other);
    STUB_ASSERT_OK_AND_ASSIGN(auto none, r.GetProvider("acme", "mistral"));
    EXPECT_FALSE(none.has_value());
    STUB_ASSERT_OK_AND_ASSIGN(auto nobody, r.ListProviders("gamma"));
    EXPECT_TRUE(nobody.empty());
  });

  // A second put of (org, name) replaces the row.
  ProviderRow replaced = b;
  replaced.config = R"({"kind":"openai","base_url":"https://proxy.example/v1"})";
  replaced.sealed_key = "sb1.other";
  replaced.updated_at = kT0 + 50;
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.PutProvider(replaced); }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto got, r.GetProvider("acme", "openai"));
    EXPECT_EQ(got, replaced);
    STUB_ASSERT_OK_AND_ASSIGN(auto list, r.ListProviders("acme"));
    EXPECT_EQ(list.size(), 2u);
    STUB_ASSERT_OK_AND_ASSIGN(auto beta, r.GetProvider("beta", "openai"));
    EXPECT_EQ(beta, other);
  });
}

TEST_P(StoreContractTest, AProviderPutThatRollsBackLeavesNothing) {
  {
    STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
    STUB_ASSERT_OK(t->PutProvider(MakeProvider("acme", "openai", kT0)));
    t->Rollback();
  }
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto got, r.GetProvider("acme", "openai"));
    EXPECT_FALSE(got.has_value());
  });
}

}  // namespace
}  // namespace stub::store_testing
