package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"storyguard/tools/media"
	"storyguard/tools/vault"
)

// VariantWidths are the srcset widths made for every image wider than them,
// in pixels: a phone in portrait (480) and a tablet or laptop column (960).
var VariantWidths = []int{480, 960}

// ProcessMedia is the MediaProcessor of the real pipeline: it scrubs the
// vault original src (vault.Originals) into work with media.Scrub, proves
// the result clean with media.DeepClean (an independent parser that also
// decodes the image data), names it by its digest
// ("media/<story id>/<sha256>.<ext>", the file work/<sha256>.<ext>), and
// makes the VariantWidths variants narrowest first, each verified the same
// way; an image no wider than a width gets no variant of it. Bytes the
// decoder never reads are dropped losslessly and log gets one line naming
// the media and story ids only (nil discards). Errors name the step
// ("scrubbed copy fails verification", "variant 480px: ...") and wrap the
// media package's error. On error the main object may already be in work
// (Media.File), for the caller's work folder cleanup.
func ProcessMedia(storyID, src, work string, opts media.Options, log io.Writer) (Media, []Media, error) {
	if log == nil {
		log = io.Discard
	}
	if err := os.MkdirAll(work, 0o700); err != nil {
		return Media{}, nil, err
	}
	in, err := os.Open(src)
	if err != nil {
		return Media{}, nil, err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(work, "scrub-*")
	if err != nil {
		return Media{}, nil, err
	}
	defer os.Remove(tmp.Name())
	o := opts
	o.Name = filepath.Base(src)
	if _, err := media.Scrub(in, tmp, o); err != nil {
		tmp.Close()
		return Media{}, nil, err
	}
	if err := tmp.Close(); err != nil {
		return Media{}, nil, err
	}
	id := vault.MediaIDOf(src)
	main, err := verifiedObject(storyID, id, tmp.Name(), work, opts, log)
	if err != nil {
		return Media{}, nil, fmt.Errorf("scrubbed copy fails verification: %w", err)
	}
	var variants []Media
	for _, width := range VariantWidths {
		f, err := os.Open(main.File)
		if err != nil {
			return main, nil, err
		}
		data, _, err := media.Variant(f, width, opts)
		f.Close()
		if errors.Is(err, media.ErrNoVariantNeeded) {
			continue
		}
		if err != nil {
			return main, nil, fmt.Errorf("variant %dpx: %w", width, err)
		}
		vf, err := os.CreateTemp(work, "variant-*")
		if err != nil {
			return main, nil, err
		}
		_, werr := vf.Write(data)
		if cerr := vf.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return main, nil, werr
		}
		v, err := verifiedObject(storyID, id, vf.Name(), work, opts, log)
		os.Remove(vf.Name())
		if err != nil {
			return main, nil, fmt.Errorf("variant %dpx fails verification: %w", width, err)
		}
		variants = append(variants, v)
	}
	return main, variants, nil
}

// verifiedObject verifies file, hashes it in the same read, and moves it to
// work/<sha256><ext> under its key "media/<story id>/<sha256><ext>".
func verifiedObject(storyID, mediaID, file, work string, opts media.Options, log io.Writer) (Media, error) {
	// The scrubbed copy is within opts' size limit already. DeepClean runs
	// Verify and then decodes the image data, refusing bytes hidden in it
	// (after a scan's last MCU, after a PNG's zlib stream, in a WebP
	// bitstream): slower than Verify, so here rather than in media scrub.
	data, err := os.ReadFile(file)
	if err != nil {
		return Media{}, err
	}
	data, info, rewrote, err := media.DeepClean(data, opts)
	if err != nil {
		return Media{}, err
	}
	if rewrote != nil {
		// Bytes the decoder never reads (left by some encoders, or hidden
		// on purpose): the same coefficients were written without them.
		if err := os.WriteFile(file, data, 0o600); err != nil {
			return Media{}, err
		}
		fmt.Fprintf(log, "storyguard: media %s of story %s held bytes its image data never uses (%v); rewritten losslessly without them\n", mediaID, storyID, rewrote)
	}
	fi, err := os.Stat(file)
	if err != nil {
		return Media{}, err
	}
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	dst := filepath.Join(work, sum+info.Ext)
	if err := os.Rename(file, dst); err != nil {
		return Media{}, err
	}
	m := Media{File: dst}
	m.Key = "media/" + storyID + "/" + sum + info.Ext
	m.ContentType, m.Width, m.Height, m.Bytes, m.SHA256 = info.ContentType, info.Width, info.Height, fi.Size(), sum
	return m, nil
}
