#include "volume/volume_map.h"
#include "volume/entry_scope.h"

#include <gtest/gtest.h>

namespace walfs {
namespace {

TEST(VolumeMapTest, PathsBelongToTheirPrefixOrToRoot) {
  auto m = VolumeMap::Parse("redis://a:1?stream=root",
                            {"logs=/var/log@nats://n:4222?stream=logs", "big=/big@redis://b:2"});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->volumes().size(), 3u);
  EXPECT_EQ(m->volumes()[0].name, "root");
  EXPECT_EQ(m->volumes()[1].name, "big");  // the others by name
  EXPECT_EQ(m->Of("/").name, "root");
  EXPECT_EQ(m->Of("/var").name, "root");
  EXPECT_EQ(m->Of("/var/log").name, "logs");
  EXPECT_EQ(m->Of("/var/log/app/x.log").name, "logs");
  EXPECT_EQ(m->Of("/var/logs").name, "root");  // a prefix is whole components
  EXPECT_EQ(m->Of("/big/f").name, "big");
  EXPECT_EQ(m->Find("logs")->log_url, "nats://n:4222?stream=logs");
  EXPECT_EQ(m->Find("nope"), nullptr);
}

TEST(VolumeMapTest, BadSpecsAreRefusedWithWhy) {
  auto refused = [](std::vector<std::string> specs) {
    auto m = VolumeMap::Parse("redis://a:1", specs);
    EXPECT_FALSE(m.ok()) << specs.back();
    return m.ok() ? std::string() : m.status().message();
  };
  EXPECT_NE(refused({"big/big@redis://b:2"}).find("no '='"), std::string::npos);
  EXPECT_NE(refused({"big=/big"}).find("no '='"), std::string::npos);
  EXPECT_NE(refused({"Big=/big@redis://b:2"}).find("name"), std::string::npos);
  EXPECT_NE(refused({"root=/r@redis://b:2"}).find("root"), std::string::npos);
  EXPECT_NE(refused({"big=big@redis://b:2"}).find("absolute"), std::string::npos);
  EXPECT_NE(refused({"big=/@redis://b:2"}).find("root volume"), std::string::npos);
  EXPECT_NE(refused({"big=/big@"}).find("no log"), std::string::npos);
  EXPECT_NE(refused({"a=/a@redis://b:2", "a=/b@redis://b:3"}).find("taken"), std::string::npos);
  EXPECT_NE(refused({"a=/a@redis://b:2", "b=/a/b@redis://b:3"}).find("nest"), std::string::npos);
  EXPECT_NE(refused({"a=/a/b@redis://b:2", "b=/a@redis://b:3"}).find("nest"), std::string::npos);
  EXPECT_NE(refused({"a=/a@redis://a:1"}).find("own"), std::string::npos);    // root's log
  EXPECT_TRUE(VolumeMap::Parse("local", {"a=/a@local", "b=/b@local"}).ok());  // each its own
}

TEST(VolumeMapTest, FingerprintsAreEqualForTheSameVolumesInAnyOrder) {
  auto a = VolumeMap::Parse("redis://a:1", {"x=/x@redis://b:2", "y=/y@redis://b:3"});
  auto b = VolumeMap::Parse("redis://other:1", {"y=/y/@redis://b:3", "x=/x@redis://b:2"});
  auto c = VolumeMap::Parse("redis://a:1", {"x=/x@redis://b:2"});
  EXPECT_EQ(a->Fingerprint(), b->Fingerprint());
  EXPECT_NE(a->Fingerprint(), c->Fingerprint());
}

TEST(VolumeMapTest, PositionsCarryTheirVolumeButRoots) {
  EXPECT_EQ(FormatVolumePosition("root", Position{1732, 0}), "1732-0");
  EXPECT_EQ(FormatVolumePosition("big", Position{1732, 0}), "big:1732-0");
  auto p = ParseVolumePosition("big:1732-5");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->volume, "big");
  EXPECT_EQ(p->pos, (Position{1732, 5}));
  EXPECT_EQ(ParseVolumePosition("1732-0")->volume, "root");
  EXPECT_EQ(ParseVolumePosition("root:1732-0")->pos, (Position{1732, 0}));
  EXPECT_FALSE(ParseVolumePosition("Big:1-0"));
  EXPECT_FALSE(ParseVolumePosition("big:"));
  EXPECT_FALSE(ParseVolumePosition(":1-0"));
  EXPECT_FALSE(ParseVolumePosition("big:x"));
}

TEST(VolumeMapTest, FingerprintsNameVolumesAndPrefixesButNoLogs) {
  auto a = VolumeMap::Parse("redis://a:1", {"x=/x@redis://user:secret@b:2"});
  auto b = VolumeMap::Parse("redis://a:1", {"x=/x@redis://user:secret@10.0.0.9:2"});
  EXPECT_EQ(a->Fingerprint(), "x=/x");
  EXPECT_EQ(a->Fingerprint(), b->Fingerprint());  // one Redis, spelled two ways
  EXPECT_EQ(VolumeMap::Parse("local", {})->Fingerprint(), "");
}

TEST(VolumeMapTest, ErrorsNeverShowTheLogUrl) {
  auto m = VolumeMap::Parse("local", {"BAD NAME=/x@redis://user:secret@h:1"});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message().find("secret"), std::string::npos) << m.status().message();
  EXPECT_NE(m.status().message().find("BAD NAME=/x"), std::string::npos) << m.status().message();
}

TEST(VolumeMapTest, UploadIdsLeadToTheirVolume) {
  auto m = VolumeMap::Parse("local", {"big=/big@redis://h:1", "logs=/logs@redis://h:2"});
  ASSERT_TRUE(m.ok());
  std::string tail(kUploadIdBytes - kUploadIdTagChars, 'a');
  EXPECT_EQ(m->OfUploadId(UploadIdTag("big") + tail).name, "big");
  EXPECT_EQ(m->OfUploadId(UploadIdTag("logs") + tail).name, "logs");
  EXPECT_EQ(m->OfUploadId(std::string(kUploadIdBytes, '0')).name, "root");
  EXPECT_NE(UploadIdTag("big"), UploadIdTag("logs"));
  EXPECT_EQ(UploadIdTag("big").size(), kUploadIdTagChars);
}

TEST(EntryScopeTest, AnEntryStaysInOneVolume) {
  auto m = VolumeMap::Parse("local", {"big=/big@redis://h:1"});
  ASSERT_TRUE(m.ok());
  Entry inside;
  inside.ops.push_back(Op::Put("/big/a", "x"));
  inside.ops.push_back(Op::Rename("/big/a", "/big/b", true));
  EXPECT_TRUE(EntryInVolume(*m, "big", inside).ok());
  EXPECT_EQ(VolumeOfEntry(*m, inside).name, "big");
  EXPECT_EQ(EntryInVolume(*m, "root", inside).code(), Code::kCrossVolume);

  Entry rename_out;
  rename_out.ops.push_back(Op::Rename("/big/a", "/a", true));
  Status st = EntryInVolume(*m, "big", rename_out);
  EXPECT_EQ(st.code(), Code::kCrossVolume);
  EXPECT_NE(st.message().find("/a is in volume root"), std::string::npos) << st.message();

  Entry condition_out;
  condition_out.ops.push_back(Op::Put("/a", "x"));
  Condition c;
  c.path = "/big/flag";
  condition_out.conditions.push_back(c);
  EXPECT_EQ(EntryInVolume(*m, "root", condition_out).code(), Code::kCrossVolume);
  EXPECT_EQ(VolumeOfEntry(*m, Entry{}).name, "root");
}

}  // namespace
}  // namespace walfs
