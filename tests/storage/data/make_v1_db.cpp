// Made tests/storage/data/chat-v1.sqlite3: a database written by the
// version-1 release's own message_store (commit 1090d50, schema version 1),
// for upgrade_test.cpp. Not part of the build; it compiles only against
// that release's sources:
//
//   git archive 1090d50 | tar -x -C /tmp/v1 && cd /tmp/v1
//   g++ -std=c++20 -Iserver -Iactor/include -DCHATD_SCHEMA_DIR='"schema"' \
//       make_v1_db.cpp server/storage/{message_store,connection,sqlite,migrations,db_file}.cpp -lsqlite3
//   ./a.out chat-v1.sqlite3 schema
//
// upgrade_test.cpp expects exactly what this writes.
#include "storage/message_store.hpp"
#include <cstdio>
#include <string>
#include <vector>
using namespace chatd::storage;
int main(int argc, char** argv) {
    if (argc != 3) return 2;
    store_options o;
    o.path = argv[1];
    o.schema_dir = argv[2];
    message_store store(o);
    const std::vector<std::string> rooms{"general", "dev", "random.stuff"};
    for (int batch = 0; batch < 4; ++batch) {
        std::vector<new_message> lines;
        for (int i = 0; i < 10; ++i) {
            const auto& room = rooms[static_cast<std::size_t>(i % 3)];
            const std::string sender = i % 2 ? "ann" : "guest:bob";
            const std::string cid = "c" + std::to_string(batch) + "-" + std::to_string(i);
            lines.push_back({room, sender, cid, "line " + cid + " of " + room + " ünïcödé \"q\" @ann",
                             1000 * batch + i});
        }
        lines.push_back(lines.back());  // a resend: a duplicate, not stored twice
        auto r = store.append_batch(lines);
        if (!r) { std::fprintf(stderr, "%s\n", r.error().message.c_str()); return 1; }
    }
    std::printf("schema version %d\n", store.schema_version());
}
