#include "metrics/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace chatd::metrics {

namespace {

bool name_start(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool name_char(char c) noexcept { return name_start(c) || (c >= '0' && c <= '9'); }

void append_number(std::string& out, std::uint64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

/// Prometheus floats: shortest round-trip form, "+Inf", "-Inf", "NaN".
void append_number(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
    } else {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, r.ptr);
    }
}

/// Label values escape backslash, double quote and newline.
void append_label_value(std::string& out, std::string_view v) {
    for (char c : v) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '"': out += "\\\""; break;
            case '\n': out += "\\n"; break;
            default: out += c;
        }
    }
}

/// Help text escapes backslash and newline.
std::string escape_help(std::string_view help) {
    std::string out;
    out.reserve(help.size());
    for (char c : help) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

[[noreturn]] void reject(const std::string& name, const std::string& why) {
    throw std::invalid_argument("metric " + name + ": " + why);
}

}  // namespace

bool valid_metric_name(std::string_view name) noexcept {
    if (name.empty() || !(name_start(name[0]) || name[0] == ':')) return false;
    return std::all_of(name.begin(), name.end(), [](char c) { return name_char(c) || c == ':'; });
}

bool valid_label_name(std::string_view name) noexcept {
    if (name.empty() || !name_start(name[0]) || name.starts_with("__")) return false;
    return std::all_of(name.begin(), name.end(), name_char);
}

// ---- the lists ----------------------------------------------------------------

struct registry::series {
    labels label_set;
    std::string label_text;  // `a="x",b="y"`, escaped once at registration
    std::unique_ptr<counter> count;
    std::unique_ptr<gauge> level;
    std::unique_ptr<histogram> buckets;
    std::function<double()> read;  // a *_fn metric
};

struct registry::family {
    std::string name;
    std::string help;  // escaped
    kind type;
    std::vector<std::unique_ptr<series>> members;
};

registry::registry() = default;
registry::~registry() = default;

void registry::add_series(std::string name, std::string help, kind k, labels l, std::unique_ptr<series> s) {
    if (!valid_metric_name(name)) reject(name, "invalid name");
    for (std::size_t i = 0; i < l.size(); ++i) {
        if (!valid_label_name(l[i].first)) reject(name, "invalid label name '" + l[i].first + "'");
        if (k == kind::histogram && l[i].first == "le") reject(name, "a histogram's labels may not include le");
        for (std::size_t j = 0; j < i; ++j)
            if (l[j].first == l[i].first) reject(name, "label '" + l[i].first + "' given twice");
    }

    for (const auto& [key, value] : l) {
        if (!s->label_text.empty()) s->label_text += ',';
        s->label_text += key;
        s->label_text += "=\"";
        append_label_value(s->label_text, value);
        s->label_text += '"';
    }
    s->label_set = std::move(l);
    std::sort(s->label_set.begin(), s->label_set.end());  // to compare series, whatever the order given

    std::lock_guard lock(mutex_);
    auto it = std::find_if(families_.begin(), families_.end(), [&](const auto& f) { return f->name == name; });
    if (it == families_.end()) {
        families_.push_back(std::make_unique<family>(family{name, escape_help(help), k, {}}));
        it = std::prev(families_.end());
    }
    family& f = **it;
    if (f.type != k) reject(name, "already registered as another type");
    for (const auto& m : f.members)
        if (m->label_set == s->label_set) reject(name, "series already registered with these labels");
    // Published complete, metric included: render() reads it under this lock.
    f.members.push_back(std::move(s));
}


counter& registry::add_counter(std::string name, std::string help, labels l) {
    auto s = std::make_unique<series>();
    s->count = std::make_unique<counter>();
    counter& c = *s->count;
    add_series(std::move(name), std::move(help), kind::counter, std::move(l), std::move(s));
    return c;
}

void registry::add_counter_fn(std::string name, std::string help, std::function<double()> fn, labels l) {
    if (!fn) reject(name, "empty function");
    auto s = std::make_unique<series>();
    s->read = std::move(fn);
    add_series(std::move(name), std::move(help), kind::counter, std::move(l), std::move(s));
}

gauge& registry::add_gauge(std::string name, std::string help, labels l) {
    auto s = std::make_unique<series>();
    s->level = std::make_unique<gauge>();
    gauge& g = *s->level;
    add_series(std::move(name), std::move(help), kind::gauge, std::move(l), std::move(s));
    return g;
}

void registry::add_gauge_fn(std::string name, std::string help, std::function<double()> fn, labels l) {
    if (!fn) reject(name, "empty function");
    auto s = std::make_unique<series>();
    s->read = std::move(fn);
    add_series(std::move(name), std::move(help), kind::gauge, std::move(l), std::move(s));
}

histogram& registry::add_histogram(std::string name, std::string help, std::vector<double> bounds, labels l) {
    if (!bounds.empty() && std::isinf(bounds.back()) && bounds.back() > 0) bounds.pop_back();
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        if (!std::isfinite(bounds[i])) reject(name, "bucket bounds must be finite");
        if (i > 0 && !(bounds[i - 1] < bounds[i])) reject(name, "bucket bounds must be strictly increasing");
    }
    auto s = std::make_unique<series>();
    s->buckets = std::make_unique<histogram>(std::move(bounds));
    histogram& h = *s->buckets;
    add_series(std::move(name), std::move(help), kind::histogram, std::move(l), std::move(s));
    return h;
}

// ---- rendering ------------------------------------------------------------------

std::string registry::render() const {
    static constexpr const char* type_names[] = {"counter", "gauge", "histogram"};
    std::string out;
    out.reserve(4096);

    // One line: name[suffix]{labels[,extra]} value
    const auto line = [&out](const std::string& name, std::string_view suffix, const std::string& label_text,
                             std::string_view extra, auto value) {
        out += name;
        out += suffix;
        if (!label_text.empty() || !extra.empty()) {
            out += '{';
            out += label_text;
            if (!label_text.empty() && !extra.empty()) out += ',';
            out += extra;
            out += '}';
        }
        out += ' ';
        append_number(out, value);
        out += '\n';
    };

    std::lock_guard lock(mutex_);
    for (const auto& f : families_) {
        out += "# HELP ";
        out += f->name;
        out += ' ';
        out += f->help;
        out += "\n# TYPE ";
        out += f->name;
        out += ' ';
        out += type_names[static_cast<int>(f->type)];
        out += '\n';
        for (const auto& s : f->members) {
            if (s->read) {
                double v;
                try {
                    v = s->read();
                } catch (...) {
                    v = std::nan("");  // a failing reader shows as NaN, not a broken scrape
                }
                line(f->name, "", s->label_text, "", v);
            } else if (s->count) {
                line(f->name, "", s->label_text, "", s->count->value());
            } else if (s->level) {
                line(f->name, "", s->label_text, "", s->level->value());
            } else if (s->buckets) {
                const histogram& h = *s->buckets;
                const auto& bounds = h.bounds();
                std::uint64_t cumulative = 0;
                std::string le;
                for (std::size_t i = 0; i <= bounds.size(); ++i) {
                    cumulative += h.bucket_count(i);
                    le = "le=\"";
                    append_number(le, i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity());
                    le += '"';
                    line(f->name, "_bucket", s->label_text, le, cumulative);
                }
                line(f->name, "_sum", s->label_text, "", h.sum());
                // The count is the +Inf bucket, so the two always agree.
                line(f->name, "_count", s->label_text, "", cumulative);
            }
        }
    }
    return out;
}

}  // namespace chatd::metrics
