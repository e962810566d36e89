package publish

import (
	"fmt"
	"os"
	"unicode"
	"unicode/utf8"
)

// MinMediaTextMatch is the shortest registry match, in bytes, that
// MediaTextLeaks reports. Image data is compressed and near random: a
// three-letter family name turns up by chance about once per 4 MB photo,
// while six bytes in a row do so about once per 10^8 photos. Full names,
// villages, employers, schools, phone numbers and e-mail addresses are
// longer than that.
const MinMediaTextMatch = 6

// minTextRun is the shortest run of printable text MediaTextLeaks keeps.
const minTextRun = MinMediaTextMatch

// TextRuns returns the runs of printable UTF-8 text (letters, digits,
// punctuation, symbols and spaces, as unicode.IsPrint says) of at least
// minRun bytes in data, each followed by a newline, in order: what
// strings(1) would print, accents included. Scrubbed images carry no text
// segments at all, so any long run found here was hidden inside the image
// data itself (after the last MCU of a JPEG scan, in an unused table,
// after a PNG's zlib stream, inside a WebP bitstream).
func TextRuns(data []byte, minRun int) []byte {
	var out []byte
	start := -1
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		printable := r != utf8.RuneError && (unicode.IsPrint(r) || r == ' ')
		if printable && start < 0 {
			start = i
		}
		if !printable && start >= 0 {
			if i-start >= minRun {
				out = append(append(out, data[start:i]...), '\n')
			}
			start = -1
		}
		i += n
	}
	if start >= 0 && len(data)-start >= minRun {
		out = append(append(out, data[start:]...), '\n')
	}
	return out
}

// MediaTextLeaks reads the media file at path and returns the registry
// matches of at least MinMediaTextMatch bytes in its printable text runs
// (TextRuns), found with leaks (the same scan as the built pages). Offsets
// are into the text runs, not the file. Errors are read errors.
func MediaTextLeaks(path string, leaks func(path string, data []byte) []Finding) ([]Finding, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	runs := TextRuns(data, minTextRun)
	if len(runs) == 0 {
		return nil, nil
	}
	var out []Finding
	for _, f := range leaks(path, runs) {
		if f.End-f.Start >= MinMediaTextMatch {
			out = append(out, f)
		}
	}
	return out, nil
}

// mediaTextError is the error for a medium whose image data holds
// registry text: ids only, never the text.
func mediaTextError(id, storyID string, f Finding) error {
	return fmt.Errorf("media %s of story %s: the image data itself (not its metadata) holds text matching registry person %s (%s); the file was altered or crafted: replace the photo with a clean copy from the camera or phone", id, storyID, f.PersonID, f.Kind)
}
