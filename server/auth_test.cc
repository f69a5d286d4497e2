// The parts of the authorizer that read configuration: roles, token files,
// identity entries and which listen addresses count as loopback. Checks of
// real calls (tokens, certificates, roles per RPC) are in
// tests/operations_test.py, against running servers.
#include "server/auth.h"

#include "gtest/gtest.h"

namespace factstore::server {
namespace {

TEST(RolesTest, ParseAndNameRoundTrip) {
  absl::StatusOr<RoleSet> roles = ParseRoles("writer+admin");
  ASSERT_TRUE(roles.ok()) << roles.status();
  EXPECT_FALSE(Holds(*roles, Role::kReader));
  EXPECT_TRUE(Holds(*roles, Role::kWriter));
  EXPECT_TRUE(Holds(*roles, Role::kAdmin));
  EXPECT_EQ(RoleSetName(*roles), "writer+admin");
  EXPECT_EQ(RoleSetName(kEveryRole), "reader+writer+admin");
}

TEST(RolesTest, UnknownRolesAreRefusedByName) {
  absl::StatusOr<RoleSet> roles = ParseRoles("reader+owner");
  ASSERT_FALSE(roles.ok());
  EXPECT_NE(roles.status().message().find("\"owner\""), std::string::npos);
  EXPECT_FALSE(ParseRoles("").ok());
  EXPECT_FALSE(ParseRoles("Reader").ok());
}

TEST(TokenFileTest, ReadsRolesCommentsAndBareTokens) {
  absl::StatusOr<std::map<std::string, RoleSet>> tokens = ParseTokenFile(
      "# tokens of the ingest service\n"
      "\n"
      "writer        w-token-1\n"
      "  writer+admin\ta-token-1  \n"
      "legacy-token\n");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_EQ(tokens->size(), 3u);
  EXPECT_EQ(tokens->at("w-token-1"), static_cast<RoleSet>(Role::kWriter));
  EXPECT_EQ(tokens->at("a-token-1"), static_cast<RoleSet>(Role::kWriter) |
                                         static_cast<RoleSet>(Role::kAdmin));
  EXPECT_EQ(tokens->at("legacy-token"), kEveryRole);
}

TEST(TokenFileTest, MistakesNameTheirLine) {
  auto error = [](absl::string_view contents) {
    absl::StatusOr<std::map<std::string, RoleSet>> tokens =
        ParseTokenFile(contents);
    EXPECT_FALSE(tokens.ok()) << contents;
    return std::string(tokens.status().message());
  };
  EXPECT_EQ(error("reader r-token-1\nsuperuser s-token-1\n"),
            "line 2: unknown role \"superuser\" (roles are reader, writer, "
            "admin, joined by '+')");
  EXPECT_EQ(error("reader r-token-1 extra\n"),
            "line 1: expected \"<roles> <token>\" or a bare token");
  EXPECT_EQ(error("reader same-token\nwriter same-token\n"),
            "line 2: the token is listed twice");
  // What `printf 'writer %s\n' "$(openssl rand -hex 32)"` writes when
  // openssl fails: not a token "writer" with every role.
  EXPECT_EQ(error("writer\n"), "line 1: roles without a token");
  EXPECT_EQ(error("reader+admin\n"), "line 1: roles without a token");
  EXPECT_EQ(error("writer short\n"),
            "line 1: a token must be at least 8 bytes");
  EXPECT_EQ(error("# only a comment\n\n"), "holds no token");
}

TEST(IdentityGrantTest, KindsAndRoles) {
  absl::StatusOr<IdentityGrant> dns =
      ParseIdentityGrant("dns:extractor.ns.svc=writer");
  ASSERT_TRUE(dns.ok()) << dns.status();
  EXPECT_EQ(dns->kind, IdentityGrant::Kind::kDns);
  EXPECT_EQ(dns->name, "extractor.ns.svc");
  EXPECT_EQ(dns->roles, static_cast<RoleSet>(Role::kWriter));

  absl::StatusOr<IdentityGrant> uri =
      ParseIdentityGrant("uri:spiffe://cluster.local/ns/a/sa/b=reader+writer");
  ASSERT_TRUE(uri.ok()) << uri.status();
  EXPECT_EQ(uri->kind, IdentityGrant::Kind::kUri);
  EXPECT_EQ(uri->name, "spiffe://cluster.local/ns/a/sa/b");

  absl::StatusOr<IdentityGrant> bare = ParseIdentityGrant("writer-1");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(bare->kind, IdentityGrant::Kind::kAnySan);
  EXPECT_EQ(bare->roles, kEveryRole);

  EXPECT_FALSE(ParseIdentityGrant("dns:=writer").ok());
  EXPECT_FALSE(ParseIdentityGrant("writer-1=root").ok());
}

TEST(ExposureTest, LoopbackAddresses) {
  for (const char* address :
       {"127.0.0.1:50051", "127.3.2.1:0", "localhost:50051", "[::1]:50051",
        "unix:/run/factstore.sock"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
  for (const char* address : {"0.0.0.0:50051", "[::]:50051", "10.0.0.7:50051",
                              "factstore-ingest:50051", ":50051"}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

TEST(ExposureTest, AnUnauthenticatedServerOnTheNetworkNeedsConsent) {
  AuthOptions none;
  absl::Status refused = CheckExposure(none, "0.0.0.0:50051", false);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("--allow_unauthenticated"),
            std::string::npos);
  EXPECT_TRUE(CheckExposure(none, "127.0.0.1:50051", false).ok());
  EXPECT_TRUE(CheckExposure(none, "0.0.0.0:50051", true).ok());

  AuthOptions consent;
  consent.allow_unauthenticated = true;
  EXPECT_TRUE(CheckExposure(consent, "0.0.0.0:50051", false).ok());

  AuthOptions tokens;
  tokens.token_file = "/etc/factstore/tokens";
  EXPECT_TRUE(CheckExposure(tokens, "0.0.0.0:50051", false).ok());
  AuthOptions blank_token;
  blank_token.token = "  ";
  EXPECT_FALSE(CheckExposure(blank_token, "0.0.0.0:50051", false).ok());
}

}  // namespace
}  // namespace factstore::server
