package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// FileResult is the outcome of scrubbing one input file (ScrubFiles): the
// output path and the scrubber's report, or the error.
type FileResult struct {
	Out    string
	Report Report
	Err    error
}

// ScrubFiles scrubs each input file into the folder dir, which must
// exist, one worker per CPU, and returns one result per input in the same
// order. The output of "<dir>/<name>.<ext>" keeps the input's name up to
// its extension; the extension follows the real format (Report.Ext). Each
// output is written to a temporary file in dir, verified as it is written
// (ScrubVerify), with deep also decoded (DeepClean: bytes hidden in the
// image data are removed losslessly from a JPEG, or refused), and only
// then renamed into place. A file already at the output path is replaced
// only when it holds the same bytes (a rerun) or with force, never when
// it is the input itself. Refused without scrubbing: an input whose name
// has nothing before its extension, a second input with the same output
// name. Inputs not begun when ctx is done get ErrInterrupted; those under
// way finish. opts.Name is set per file.
func ScrubFiles(ctx context.Context, ins []string, dir string, opts Options, force, deep bool) []FileResult {
	results := make([]FileResult, len(ins))
	dsts := make([]string, len(ins))
	used := map[string]string{}
	for i, in := range ins {
		base := filepath.Base(in)
		stem := strings.TrimSuffix(base, filepath.Ext(base))
		if stem == "" || stem == "." {
			results[i].Err = fmt.Errorf("input name %q has nothing before its extension; rename it", base)
			continue
		}
		dsts[i] = filepath.Join(dir, stem)
		if prev, ok := used[dsts[i]]; ok {
			results[i].Err = fmt.Errorf("output name %s already taken by %s", dsts[i], prev)
			dsts[i] = ""
			continue
		}
		used[dsts[i]] = in
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, in := range ins {
		if dsts[i] == "" {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := &results[i]
			if err := ctx.Err(); err != nil {
				r.Err = ErrInterrupted
				return
			}
			r.Out, r.Report, r.Err = scrubFile(in, dsts[i], opts, force, deep)
		}()
	}
	wg.Wait()
	return results
}

// ErrInterrupted is a file's result in ScrubFiles when its context was
// done before the file was begun.
var ErrInterrupted = errors.New("not scrubbed: interrupted")

// scrubFile scrubs in into a temporary file next to stem, verifying the
// bytes as they are written (ScrubVerify), and renames it to stem
// plus the format's extension.
func scrubFile(in, stem string, opts Options, force, deep bool) (string, Report, error) {
	f, err := os.Open(in)
	if err != nil {
		return "", Report{}, err
	}
	defer f.Close()
	tmp, err := os.CreateTemp(filepath.Dir(stem), ".scrub-*")
	if err != nil {
		return "", Report{}, err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return "", Report{}, err
	}
	opts.Name = in
	rep, _, err := ScrubVerify(f, tmp, opts)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", rep, err
	}
	if deep {
		data, err := os.ReadFile(tmp.Name())
		if err != nil {
			return "", rep, err
		}
		clean, _, rewrote, err := DeepClean(data, Options{MaxBytes: opts.MaxBytes, MaxPixels: opts.MaxPixels})
		if err != nil {
			return "", rep, fmt.Errorf("scrubbed output failed the deep verification: %w", err)
		}
		if rewrote != nil {
			if err := os.WriteFile(tmp.Name(), clean, 0o644); err != nil {
				return "", rep, err
			}
			rep.Removed = append(rep.Removed, "bytes outside the image data (rewritten losslessly)")
		}
	}
	dst := stem + rep.Ext
	if fi, err := os.Stat(dst); err == nil {
		if si, err := f.Stat(); err == nil && os.SameFile(fi, si) {
			return "", rep, fmt.Errorf("output %s would overwrite its input; the original stays in the vault", dst)
		}
		if !force && !sameContent(dst, tmp.Name()) {
			return "", rep, fmt.Errorf("output %s already exists and holds another image; move it away or pass --force", dst)
		}
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", rep, err
	}
	return dst, rep, nil
}

// VerifyFile proves the file at path clean: Verify, or with deep
// DeepVerify, which also decodes the image data (reading at most
// opts.MaxBytes, DefaultMaxBytes when 0). Errors are Verify's and
// DeepVerify's, or the file's I/O error.
func VerifyFile(path string, opts Options, deep bool) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	if !deep {
		return Verify(f, opts)
	}
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1)) // DeepVerify refuses more than limit
	if err != nil {
		return Info{}, err
	}
	return DeepVerify(data, opts)
}

// sameContent reports whether files a and b hold the same bytes (false if
// either cannot be read).
func sameContent(a, b string) bool {
	da, err := os.ReadFile(a)
	if err != nil {
		return false
	}
	db, err := os.ReadFile(b)
	return err == nil && bytes.Equal(da, db)
}
