// The whole publish check against a real SQLite cluster store: which
// refusal each case gets, its RTMP status class, and that a refusal
// writes nothing (no broadcast) while a one-time token is used once.
#include "auth/publish_auth.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "auth/broadcast_cap.h"
#include "auth/stream_token.h"

namespace fanout::auth {
namespace {

const std::string kHash = "hash-secret-0123456789";
constexpr int64_t kNow = 1700000000;

class PublishAuthTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/fanout-auth-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        std::string uri = "sqlite://" + dir_ + "/cluster.db";
        fo_error err{};
        ASSERT_EQ(fo_store_open(uri.c_str(), &store_, &err), FO_OK) << err.msg;
    }
    void TearDown() override
    {
        fo_store_close(store_);
        std::filesystem::remove_all(dir_);
    }
    void store_settings(const std::string& json)
    {
        ASSERT_EQ(fo_app_settings_put(store_, "LiveApp", json.c_str(), nullptr),
                  FO_OK);
    }
    Refusal run(const std::string& id, const std::string& query,
                int64_t cap = 0)
    {
        StreamKey key = StreamKey::parse("LiveApp", id).value();
        return authorize_publish(store_, defaults_, defaults_, key, query, kNow,
                                 cap)
            .verdict.refusal;
    }
    void create(const std::string& app, const std::string& id)
    {
        fo_broadcast b{};
        snprintf(b.app, sizeof(b.app), "%s", app.c_str());
        snprintf(b.stream_id, sizeof(b.stream_id), "%s", id.c_str());
        ASSERT_EQ(fo_broadcast_create(store_, &b, nullptr), FO_OK);
    }
    bool has_broadcast(const std::string& id)
    {
        fo_broadcast b;
        return fo_broadcast_get(store_, "LiveApp", id.c_str(), &b, nullptr)
               == FO_OK;
    }

    std::string dir_;
    fo_store* store_ = nullptr;
    TokenSettings defaults_;
};

TEST_F(PublishAuthTest, NoControlsAdmitEverything)
{
    EXPECT_EQ(run("cam1", ""), Refusal::None);
    EXPECT_EQ(run("cam1", "token=whatever"), Refusal::None);
}

TEST_F(PublishAuthTest, HashControl)
{
    store_settings(R"({"hashControlPublishEnabled":true,"tokenHashSecret":")"
                   + kHash + "\"}");
    EXPECT_EQ(run("cam1", "token=" + hash_token("cam1", "publish", kHash)),
              Refusal::None);
    EXPECT_EQ(run("cam1", ""), Refusal::Missing);
    EXPECT_EQ(run("cam1", "token=%x"), Refusal::Malformed);
    EXPECT_EQ(run("cam1", "token=" + hash_token("cam2", "publish", kHash)),
              Refusal::Invalid);
    EXPECT_FALSE(has_broadcast("cam1"));
    EXPECT_FALSE(refusal_is_rejected(Refusal::Missing));
    EXPECT_TRUE(refusal_is_rejected(Refusal::Invalid));
}

TEST_F(PublishAuthTest, OneTimeTokenIsUsedOnceAndOnlyWhenOtherChecksPass)
{
    store_settings(R"({"publishTokenControlEnabled":true,)"
                   R"("acceptUndefinedStreams":false})");
    fo_token t{};
    snprintf(t.token_id, sizeof(t.token_id), "tok1");
    snprintf(t.app, sizeof(t.app), "LiveApp");
    snprintf(t.stream_id, sizeof(t.stream_id), "cam1");
    snprintf(t.type, sizeof(t.type), "publish");
    t.expire_date = time(nullptr) + 3600;
    ASSERT_EQ(fo_token_put(store_, &t, nullptr), FO_OK);
    // Undefined stream: refused before the token is spent.
    EXPECT_EQ(run("cam1", "token=tok1"), Refusal::UndefinedStream);
    fo_broadcast b{};
    snprintf(b.app, sizeof(b.app), "LiveApp");
    snprintf(b.stream_id, sizeof(b.stream_id), "cam1");
    ASSERT_EQ(fo_broadcast_create(store_, &b, nullptr), FO_OK);
    EXPECT_EQ(run("cam1", "token=tok1"), Refusal::None);
    EXPECT_EQ(run("cam1", "token=tok1"), Refusal::Invalid);  // reused
    EXPECT_EQ(run("cam1", "token=unknown"), Refusal::Invalid);
}

TEST_F(PublishAuthTest, BadStoredSettingsRefuse)
{
    store_settings(R"({"publishJwtControlEnabled":"maybe"})");
    EXPECT_EQ(run("cam1", ""), Refusal::Unavailable);
}

// broadcast.max_per_app: a publish that would create a record past the
// cap is refused (Rejected) and writes nothing; one whose record exists
// creates nothing and passes; other applications do not count.
TEST_F(PublishAuthTest, TheCapRefusesANewRecordOnly)
{
    create("LiveApp", "a");
    create("LiveApp", "b");
    create("OtherApp", "c");
    EXPECT_EQ(run("new1", "", 3), Refusal::None);
    create("LiveApp", "new1");  // what its claim would do
    EXPECT_EQ(run("new2", "", 3), Refusal::BroadcastLimit);
    EXPECT_FALSE(has_broadcast("new2"));
    EXPECT_TRUE(refusal_is_rejected(Refusal::BroadcastLimit));
    EXPECT_EQ(run("a", "", 3), Refusal::None);  // exists: no new record
    EXPECT_EQ(run("new2", "", 0), Refusal::None);  // 0: no cap
    EXPECT_EQ(run("new2", "", 4), Refusal::None);
    EXPECT_EQ(cap_decision(3, 3), CapCheck::Full);
    EXPECT_EQ(cap_decision(2, 3), CapCheck::Ok);
    EXPECT_EQ(cap_decision(1000000, 0), CapCheck::Ok);
    CapVerdict v = check_broadcast_cap(store_, "LiveApp", 3);
    EXPECT_EQ(v.check, CapCheck::Full);
    EXPECT_EQ(v.count, 3);
    EXPECT_NE(v.why.find("broadcast.max_per_app"), std::string::npos);
}

TEST_F(PublishAuthTest, CountsByReason)
{
    Metrics m;
    count_refusal(m, Refusal::Expired);
    count_refusal(m, Refusal::None);
    EXPECT_EQ(m.token_refusals.expired.load(), 1u);
    EXPECT_EQ(m.token_refusals.invalid.load(), 0u);
    EXPECT_STREQ(refusal_reason(Refusal::UndefinedStream), "undefined_stream");
    count_refusal(m, Refusal::BroadcastLimit);
    EXPECT_EQ(m.broadcast_limit_refusals.publish.load(), 1u);
    EXPECT_STREQ(refusal_reason(Refusal::BroadcastLimit), "broadcast_limit");
}

}  // namespace
}  // namespace fanout::auth
