package consent

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"storyguard/tools/content"
)

// SetWithdrawn marks one content file withdrawn in place: it writes
// consent.status: withdrawn and consent.withdrawn: <date as YYYY-MM-DD in
// UTC (Day)> into the front matter with content.SetFields (everything else
// byte for byte) and replaces the file atomically. A file that does not
// load as a page, or whose front matter cannot take the fields, is left
// as it was; the error names the file and the first diagnostic, never a
// value from it.
func SetWithdrawn(file string, date time.Time) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	p, ds := content.LoadPage(filepath.ToSlash(file), "", raw)
	if p == nil || p.Invalid {
		msg := "cannot be loaded"
		if len(ds) > 0 {
			msg = ds[0].String()
		}
		return fmt.Errorf("%s: %s", file, msg)
	}
	out, err := content.SetFields(p, []content.Assignment{
		{Path: "consent.status", Value: string(Withdrawn)},
		{Path: "consent.withdrawn", Value: Day(date)},
	})
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return content.WriteFileAtomic(file, out)
}
