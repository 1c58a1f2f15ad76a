package certs

import (
	"fmt"
	"net"
	"strings"
)

// maxSAN bounds one SAN argument (a DNS name is at most 253 characters).
const maxSAN = 253

// SANs are the subject alternative names of a certificate.
type SANs struct {
	DNS []string
	IPs []net.IP
}

// ParseSAN classifies one SAN: an IP address (v4 or v6, without brackets
// or zone) or a DNS name (letters, digits, '-' and '.', optionally starting
// with "*." for a wildcard; lowercased). Ports, URLs, empty labels and
// anything else are refused with ErrBadSAN.
func ParseSAN(s string) (dns string, ip net.IP, err error) {
	if s == "" || len(s) > maxSAN {
		return "", nil, fmt.Errorf("%w: %q: want an IP address or a host name of 1-%d characters", ErrBadSAN, s, maxSAN)
	}
	if ip := net.ParseIP(s); ip != nil {
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		return "", ip, nil
	}
	if strings.Contains(s, "://") || strings.Contains(s, "/") {
		return "", nil, fmt.Errorf("%w: %q: give the host only, not a URL", ErrBadSAN, s)
	}
	if _, _, err := net.SplitHostPort(s); err == nil {
		return "", nil, fmt.Errorf("%w: %q: give the host only, without a port", ErrBadSAN, s)
	}
	name := strings.ToLower(strings.TrimSuffix(s, "."))
	labels := strings.Split(name, ".")
	for i, l := range labels {
		if i == 0 && l == "*" && len(labels) > 2 {
			continue
		}
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", nil, fmt.Errorf("%w: %q: label %q is empty, longer than 63 characters or starts/ends with '-'", ErrBadSAN, s, l)
		}
		for _, c := range []byte(l) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", nil, fmt.Errorf("%w: %q: character %q is not allowed in a host name", ErrBadSAN, s, c)
			}
		}
	}
	return name, nil, nil
}

// ParseSANs parses every argument (each may be a comma-separated list) and
// drops duplicates, keeping the first occurrence's order.
func ParseSANs(args []string) (SANs, error) {
	var out SANs
	seen := map[string]bool{}
	for _, a := range args {
		for _, s := range strings.Split(a, ",") {
			s = strings.TrimSpace(s)
			if s == "" && strings.Contains(a, ",") {
				continue
			}
			dns, ip, err := ParseSAN(s)
			if err != nil {
				return SANs{}, err
			}
			key := dns
			if ip != nil {
				key = "ip:" + ip.String()
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			if ip != nil {
				out.IPs = append(out.IPs, ip)
			} else {
				out.DNS = append(out.DNS, dns)
			}
		}
	}
	if len(out.DNS)+len(out.IPs) == 0 {
		return SANs{}, fmt.Errorf("%w: at least one SAN (an address or host name the node is reached by) is required", ErrBadSAN)
	}
	return out, nil
}

// Strings lists the SANs as text (DNS names first).
func (s SANs) Strings() []string {
	out := append([]string(nil), s.DNS...)
	for _, ip := range s.IPs {
		out = append(out, ip.String())
	}
	return out
}
