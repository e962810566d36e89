package consent

import (
	"errors"
	"time"
)

// ErrNotADay is returned by ParseDay and ParseNow for a value that is not
// a calendar date written YYYY-MM-DD. The error never repeats the value.
var ErrNotADay = errors.New("not a date; write YYYY-MM-DD")

// ParseDay reads a calendar day written YYYY-MM-DD (time.DateOnly, the
// format of every consent date) as 00:00 UTC of that day. It is the one
// parser of the date flags of every command (--now of check, publish,
// preview, withdraw and status; --date of approve). Anything else (a day
// first, a time of day, a zone) is ErrNotADay.
func ParseDay(s string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, time.UTC)
	if err != nil {
		return time.Time{}, ErrNotADay
	}
	return t, nil
}

// ParseNow reads a --now flag: empty is the current instant in UTC, and
// anything else is ParseDay's day at 00:00 UTC.
func ParseNow(s string) (time.Time, error) {
	if s == "" {
		return time.Now().UTC(), nil
	}
	return ParseDay(s)
}
