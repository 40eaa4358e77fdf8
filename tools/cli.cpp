// The tool's argument parser and JSON string escaping.
#include "cli.hpp"

#include <algorithm>
#include <cstdio>

#include "hipquant/runtime/device.hpp"

namespace hipquant::cli {

ArgParser::ArgParser(const std::vector<std::string>& args, const std::vector<std::string>& flags,
                     const std::vector<std::string>& valued) {
    const auto listed = [](const std::vector<std::string>& v, const std::string& s) {
        return std::find(v.begin(), v.end(), s) != v.end();
    };
    bool only_positionals = false;  // after "--"
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (only_positionals || a.size() < 2 || a.compare(0, 2, "--") != 0) {
            if (!only_positionals && a.size() > 1 && a[0] == '-' && a != "-")
                throw UsageError("unknown option '" + a + "'");
            positionals_.push_back(a);
            continue;
        }
        if (a == "--") {
            only_positionals = true;
            continue;
        }
        std::string name = a.substr(2), val;
        const std::size_t eq = name.find('=');
        const bool has_eq = eq != std::string::npos;
        if (has_eq) {
            val = name.substr(eq + 1);
            name.resize(eq);
        }
        if (listed(flags, name)) {
            if (has_eq) throw UsageError("option '--" + name + "' takes no value");
        } else if (listed(valued, name)) {
            if (!has_eq) {
                if (i + 1 >= args.size()) throw UsageError("option '--" + name + "' needs a value");
                val = args[++i];
            }
        } else {
            throw UsageError("unknown option '--" + name + "'");
        }
        options_.emplace_back(name, val);
    }
}

bool ArgParser::flag(const std::string& name) const {
    for (const auto& o : options_)
        if (o.first == name) return true;
    return false;
}

std::string ArgParser::value(const std::string& name, const std::string& fallback) const {
    std::string v = fallback;
    for (const auto& o : options_)  // the last occurrence wins
        if (o.first == name) v = o.second;
    return v;
}

std::uint64_t ArgParser::uint_value(const std::string& name, std::uint64_t fallback) const {
    if (!flag(name)) return fallback;
    const std::string v = value(name, "");
    std::uint64_t out = 0;
    bool ok = !v.empty() && v.size() <= 19;  // 19 digits always fit 64 bits
    for (const char c : v) {
        if (c < '0' || c > '9') ok = false;
        else out = out * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!ok) throw UsageError("option '--" + name + "' needs a non-negative integer, not '" + v + "'");
    return out;
}

void ArgParser::expect_positionals(std::size_t n, const char* what) const {
    if (positionals_.size() < n) throw UsageError(std::string("missing ") + what);
    if (positionals_.size() > n) throw UsageError("unexpected argument '" + positionals_[n] + "'");
}

bool have_gpu_or_say_so(const char* command) {
    if (RocmDevice::count() > 0) return true;
    std::fprintf(stderr,
                 "hipquant %s: no GPU found (RocmDevice::count() is 0: no device, or no driver); exit code %d\n",
                 command, kExitNoGpu);
    return false;
}

std::string printable(const std::string& s) {
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\\') {
            out += "\\\\";
        } else if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out += ch;
        }
    }
    return out;
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    for (std::size_t i = 0; i < n;) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            if (c == '"') out += "\\\"";
            else if (c == '\\') out += "\\\\";
            else if (c == '\n') out += "\\n";
            else if (c == '\t') out += "\\t";
            else if (c == '\r') out += "\\r";
            else if (c < 0x20 || c == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        // A well-formed UTF-8 sequence of 2..4 bytes is copied; anything else
        // (stray continuation, overlong form, surrogate, > U+10FFFF) is one U+FFFD.
        std::size_t len = 0;
        std::uint32_t cp = 0, min = 0;
        if ((c & 0xe0) == 0xc0) len = 2, cp = c & 0x1fu, min = 0x80;
        else if ((c & 0xf0) == 0xe0) len = 3, cp = c & 0x0fu, min = 0x800;
        else if ((c & 0xf8) == 0xf0) len = 4, cp = c & 0x07u, min = 0x10000;
        bool ok = len != 0 && i + len <= n;
        for (std::size_t k = 1; ok && k < len; ++k) {
            ok = (p[i + k] & 0xc0) == 0x80;
            cp = (cp << 6) | (p[i + k] & 0x3fu);
        }
        ok = ok && cp >= min && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
        if (ok) {
            out.append(s, i, len);
            i += len;
        } else {
            out += "\xef\xbf\xbd";
            ++i;
        }
    }
    return out + "\"";
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

}  // namespace hipquant::cli
