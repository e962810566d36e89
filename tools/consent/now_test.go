package consent

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseNow(t *testing.T) {
	day, err := ParseNow("2026-11-29")
	if err != nil || !day.Equal(time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)) || day.Location() != time.UTC {
		t.Errorf(`ParseNow("2026-11-29") = %v, %v; want 2026-11-29 00:00 UTC`, day, err)
	}
	if now, err := ParseNow(""); err != nil || now.Location() != time.UTC || time.Since(now) > time.Minute {
		t.Errorf(`ParseNow("") = %v, %v; want the current instant in UTC`, now, err)
	}
	// One format for every command: what check once read the way Hugo reads
	// front matter (a time of day, RFC 3339) is refused too.
	for _, bad := range []string{"31/12/2026", "2026-11-29T10:00:00Z", "2026-11-29 10:00", "2026-13-01", "2026-2-3", " 2026-11-29", "Ana"} {
		_, err := ParseNow(bad)
		if !errors.Is(err, ErrNotADay) {
			t.Errorf("ParseNow(%q) error = %v, want ErrNotADay", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), bad) {
			t.Errorf("ParseNow(%q) error %q repeats the value", bad, err)
		}
	}
}
