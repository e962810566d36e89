package desk

import (
	"sync"
	"time"
)

// signInGuard is the slow, per-name half of the sign-in limits (issue
// #15): a per-name lockout let anyone lock a storyteller out by typing her
// sign-in name wrong five times. It follows OWASP's Authentication Cheat
// Sheet ("Login Throttling") and its "Slow Down Online Guessing Attacks
// with Device Cookies" scheme, with the client address in place of the
// device cookie (the desk keeps nothing in her browser but the session):
//
//   - the fast limits are per client address (signInPerIP attempts a
//     minute, whatever the names) and per sign-in name from one address
//     (signInPerPair attempts a minute), in limiter;
//   - here, failures are counted per name over nameWindow, from every
//     address. From nameBackoffAfter failures on, an address that itself
//     failed on that name within nameWindow may try it again only after a
//     delay that doubles with each further failure (one second, two,
//     four, ... at most nameBackoffMax), shared by all such addresses;
//   - an address that has not failed on the name within nameWindow is
//     never held back by it: the correct phrase from a new place always
//     signs in, and an attacker gets one free guess per new address.
//
// Memory is bounded by maxWindows entries per map; when full of live
// entries, every address is treated as one that failed (closed: the
// back-off holds for all, and the fast limits still apply).
type signInGuard struct {
	mu     sync.Mutex
	failed map[string]time.Time // name "\x00" address: its last failure
	names  map[string]*nameFailures
	full   bool // failed could not record a failure
}

type nameFailures struct {
	start time.Time // of the nameWindow counting n
	n     int       // failures since start
	next  time.Time // when an address that failed may try again
}

// The per-name back-off.
const (
	nameWindow       = time.Hour
	nameBackoffAfter = 10
	nameBackoffMax   = 5 * time.Minute
)

func newSignInGuard() *signInGuard {
	return &signInGuard{failed: map[string]time.Time{}, names: map[string]*nameFailures{}}
}

func pairKey(name, addr string) string { return name + "\x00" + addr }

// allow reports whether a sign-in attempt on name from addr may be checked
// at now.
func (g *signInGuard) allow(name, addr string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.names[name]
	if st == nil || now.Sub(st.start) >= nameWindow || st.n < nameBackoffAfter || !now.Before(st.next) {
		return true
	}
	last, ok := g.failed[pairKey(name, addr)]
	return !g.full && (!ok || now.Sub(last) >= nameWindow)
}

// failure records a failed attempt on name from addr at now.
func (g *signInGuard) failure(name, addr string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := pairKey(name, addr)
	if _, ok := g.failed[k]; !ok && len(g.failed) >= maxWindows {
		for k, t := range g.failed {
			if now.Sub(t) >= nameWindow {
				delete(g.failed, k)
			}
		}
		for n, st := range g.names {
			if now.Sub(st.start) >= nameWindow {
				delete(g.names, n)
			}
		}
	}
	if _, ok := g.failed[k]; ok || len(g.failed) < maxWindows {
		g.failed[k] = now
	} else {
		g.full = true
	}
	st := g.names[name]
	if st == nil || now.Sub(st.start) >= nameWindow {
		if st == nil && len(g.names) >= maxWindows {
			g.full = true
			return
		}
		st = &nameFailures{start: now}
		g.names[name] = st
	}
	st.n++
	if st.n >= nameBackoffAfter {
		st.next = now.Add(min(time.Second<<min(st.n-nameBackoffAfter, 20), nameBackoffMax))
	}
}

// success forgets the failures of addr on name: she signed in from there.
func (g *signInGuard) success(name, addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.failed, pairKey(name, addr))
}
