#include "bus/presence_store.hpp"

#include "bus/wire.hpp"

#include <random>

namespace chatd::bus {

namespace {

std::string presence_key(std::string_view room) {
    std::string k = "chatd:presence:";
    k += room;
    return k;
}

std::string node_key(std::string_view node) {
    std::string k = "chatd:node:";
    k += node;
    return k;
}

std::string entry(std::string_view node, std::string_view user) {
    std::string e(node);
    e += ' ';
    e += user;
    return e;
}

// KEYS[1]: the room's set, KEYS[2]: its channel; ARGV[1]: the node asking,
// ARGV[2..]: nodes it knows. Publishes "S" (wire.hpp) and deletes the
// entries of nodes whose key has expired. Runs as one step, so no change
// is half in it.
constexpr std::string_view read_script = R"lua(
local live, order = {}, {}
local function alive(node)
  local v = live[node]
  if v == nil then
    v = redis.call('EXISTS', 'chatd:node:' .. node) == 1
    live[node] = v
    if v then order[#order + 1] = node end
  end
  return v
end
for i = 2, #ARGV do alive(ARGV[i]) end
local entries = {}
for _, e in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local space = string.find(e, ' ', 1, true)
  if space and alive(string.sub(e, 1, space - 1)) then entries[#entries + 1] = e
  else redis.call('SREM', KEYS[1], e) end
end
local function str(s) return #s .. ' ' .. s end
local out = {'S ', str(ARGV[1]), #order .. ' '}
for _, n in ipairs(order) do out[#out + 1] = str(n) end
out[#out + 1] = #entries .. ' '
for _, e in ipairs(entries) do out[#out + 1] = str(e) end
redis.call('PUBLISH', KEYS[2], table.concat(out))
return #entries
)lua";

}  // namespace

std::size_t append_presence(redis_link& link, std::string_view node, std::string_view room, std::string_view user,
                            bool here) {
    link.append({here ? "SADD" : "SREM", presence_key(room), entry(node, user)});
    link.append({"PUBLISH", channel_of(room), encode_presence(node, user, here)});
    return 2;
}

std::size_t append_room_presence(redis_link& link, std::string_view node, std::string_view room,
                                 const std::set<std::string>& users, bool here) {
    if (users.empty()) return 0;
    std::vector<std::string> args{here ? "SADD" : "SREM", presence_key(room)};
    for (const auto& u : users) args.push_back(entry(node, u));
    link.append_args(args);
    if (!here) return 1;
    const std::string channel = channel_of(room);
    for (const auto& u : users) link.append({"PUBLISH", channel, encode_presence(node, u, true)});
    return 1 + users.size();
}

std::size_t append_heartbeat(redis_link& link, std::string_view node, std::chrono::milliseconds ttl) {
    link.append({"SET", node_key(node), "1", "PX", std::to_string(ttl.count())});
    link.append({"PUBLISH", nodes_channel(), encode_heartbeat(node, ttl.count())});
    return 2;
}

std::size_t append_gone(redis_link& link, std::string_view node) {
    link.append({"DEL", node_key(node)});
    link.append({"PUBLISH", nodes_channel(), encode_gone(node)});
    return 2;
}

std::size_t append_presence_read(redis_link& link, std::string_view node, std::string_view room,
                                 const std::vector<std::string>& known_nodes) {
    std::vector<std::string> args{"EVAL", std::string(read_script), "2", presence_key(room), channel_of(room),
                                  std::string(node)};
    args.insert(args.end(), known_nodes.begin(), known_nodes.end());
    link.append_args(args);
    return 1;
}

std::string make_node_id() {
    static thread_local std::mt19937_64 gen{std::random_device{}()};
    constexpr char hex[] = "0123456789abcdef";
    std::uint64_t v = gen();
    std::string id(16, '0');
    for (auto& c : id) {
        c = hex[v & 0xF];
        v >>= 4;
    }
    return id;
}

}  // namespace chatd::bus
