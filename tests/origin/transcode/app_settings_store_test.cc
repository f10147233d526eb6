// The ladder a publish gets, read from a real SQLite cluster store: what a
// REST PUT stored, over origin.properties' defaults.
#include "transcode/app_settings_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "transcode/app_settings.h"

namespace fanout::transcode {
namespace {

class StoreLadder : public ::testing::Test {
protected:
    void SetUp() override
    {
        char tmpl[] = "/tmp/fanout-ladder-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        std::string uri = "sqlite://" + dir_ + "/cluster.db";
        fo_error err{};
        ASSERT_EQ(fo_store_open(uri.c_str(), &store_, &err), FO_OK) << err.msg;
        config_.ladder.renditions = {{480, 1200000, 0, false}};
    }
    void TearDown() override
    {
        if (store_ != nullptr) {
            fo_store_close(store_);
        }
        std::filesystem::remove_all(dir_);
    }

    std::string dir_;
    fo_store* store_ = nullptr;
    Config config_;
};

TEST_F(StoreLadder, NothingStoredGivesTheDefaults)
{
    auto l = load_effective_ladder(store_, config_, "LiveApp");
    ASSERT_TRUE(l.ok()) << l.error().message();
    EXPECT_EQ(l.value(), config_.ladder);
    EXPECT_EQ(read_app_settings(store_, "LiveApp").status, FO_NOT_FOUND);
}

TEST_F(StoreLadder, WhatAPutStoredIsWhatTheNextPublishGets)
{
    auto put = apply_settings_put(
        config_, "",
        R"({"encoderSettingsString":"360,800000,64000","gopSize":5})");
    ASSERT_TRUE(put.ok()) << put.error().message();
    fo_error err{};
    ASSERT_EQ(fo_app_settings_put(store_, "LiveApp", put->stored.dump().c_str(),
                                  &err),
              FO_OK)
        << err.msg;
    auto l = load_effective_ladder(store_, config_, "LiveApp");
    ASSERT_TRUE(l.ok()) << l.error().message();
    EXPECT_EQ(l.value(), put->effective);
    EXPECT_EQ(l->renditions,
              (std::vector<RenditionSpec>{{360, 800000, 64000, false}}));
    EXPECT_EQ(l->gop_size, 5);
    // Another application keeps the defaults.
    EXPECT_EQ(load_effective_ladder(store_, config_, "Other").value(),
              config_.ladder);
}

TEST_F(StoreLadder, ABadStoredDocumentIsAnErrorNamingAppAndKey)
{
    fo_error err{};
    ASSERT_EQ(
        fo_app_settings_put(store_, "LiveApp", R"({"gopSize":"x"})", &err),
        FO_OK);
    auto l = load_effective_ladder(store_, config_, "LiveApp");
    ASSERT_FALSE(l.ok());
    EXPECT_EQ(l.error().message(),
              "LiveApp: stored app settings: gopSize: must be an integer from "
              "0 to 1000");
}

}  // namespace
}  // namespace fanout::transcode
