// Package site runs Hugo, compiled in, over a staged copy of the site, and
// holds the browser tests of the public theme (themes/voices).
//
// Only this package and cmd/storyguard import Hugo's commands package, which
// takes minutes to compile.
package site

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/gohugoio/hugo/commands"
)

// BuildOptions says what to build and where.
type BuildOptions struct {
	// Source is the site folder holding config.toml, themes/, static/,
	// data/media.json and content/ (only pages that passed every check).
	// Required.
	Source string
	// Destination is the output folder. Required. Hugo writes into it and
	// removes files that the build did not produce (--cleanDestinationDir),
	// so a page withdrawn since the last build does not linger there.
	Destination string
	// BaseURL is the absolute URL the site is served from, such as
	// "https://stories.example.org/". Empty keeps config.toml's baseURL.
	BaseURL string
	// Environment is Hugo's --environment (hugo.Environment in templates).
	// Empty means "production".
	Environment string
	// Pagefind is the Pagefind binary (FindPagefind) run over Destination
	// after Hugo (Index), writing the search index under SearchDir. Empty
	// builds no index, and removes a stale one from Destination.
	Pagefind string
}

// ErrBuild is wrapped by every error that Hugo itself reports, including a
// template's errorf (the theme's backstop for a page without consent).
var ErrBuild = errors.New("hugo build failed")

// hugoMu serialises builds: Hugo keeps global state (loggers, os.Stdout and
// os.Stderr, the standard log package's output), so two builds must never
// overlap in one process.
var hugoMu sync.Mutex

// Build runs Hugo v0.165.0 (github.com/gohugoio/hugo/commands.Execute) as
//
//	hugo --source S --destination D [--baseURL U] --environment E
//	     --cleanDestinationDir --buildDrafts=false --buildFuture=false
//	     --buildExpired=false --logLevel warn
//
// and then, when o.Pagefind is set, Index over the output. Drafts, future
// and expired pages are never built, whatever HUGO_*
// environment variables say. Builds are serialised by a mutex. While Hugo
// runs, the process's os.Stdout and os.Stderr are captured (and restored
// afterwards), so other goroutines' output in that time is captured too.
//
// It returns an error wrapping ErrBuild when Hugo fails or logs any error;
// the error text carries Hugo's ERROR lines, such as the theme's
// "storyguard: story st-...: field consent.status: ..." messages. ctx is
// checked before the build starts; Hugo itself cannot be interrupted.
func Build(ctx context.Context, o BuildOptions) error {
	if o.Source == "" {
		return errors.New("site build: field Source: empty")
	}
	if o.Destination == "" {
		return errors.New("site build: field Destination: empty")
	}
	src, err := filepath.Abs(o.Source)
	if err != nil {
		return fmt.Errorf("site build: source %s: %w", o.Source, err)
	}
	if _, err := os.Stat(filepath.Join(src, "config.toml")); err != nil {
		return fmt.Errorf("site build: source %s: %w", o.Source, err)
	}
	dst, err := filepath.Abs(o.Destination)
	if err != nil {
		return fmt.Errorf("site build: destination %s: %w", o.Destination, err)
	}
	if dst == src || strings.HasPrefix(src, dst+string(filepath.Separator)) {
		return fmt.Errorf("site build: destination %s: contains the source; it would be cleaned", o.Destination)
	}
	env := o.Environment
	if env == "" {
		env = "production"
	}
	args := []string{
		"--source", src,
		"--destination", dst,
		"--environment", env,
		"--cleanDestinationDir",
		"--buildDrafts=false", "--buildFuture=false", "--buildExpired=false",
		"--logLevel", "warn",
	}
	if o.BaseURL != "" {
		args = append(args, "--baseURL", o.BaseURL)
	}

	hugoMu.Lock()
	defer hugoMu.Unlock()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("site build %s: %w", o.Source, err)
	}
	var out bytes.Buffer
	execErr := captureOutput(&out, func() error { return commands.Execute(args) })
	lines := hugoErrors(out.String())
	if execErr == nil && len(lines) == 0 {
		if o.Pagefind == "" {
			if err := os.RemoveAll(filepath.Join(dst, SearchDir)); err != nil {
				return fmt.Errorf("site build %s: %w", o.Source, err)
			}
			return nil
		}
		if err := Index(ctx, o.Pagefind, dst); err != nil {
			return fmt.Errorf("site build %s: %w", o.Source, err)
		}
		return nil
	}
	msg := strings.Join(lines, "\n")
	if execErr != nil {
		if msg == "" {
			msg = execErr.Error()
		} else if !strings.Contains(msg, execErr.Error()) {
			msg = execErr.Error() + "\n" + msg
		}
	}
	return fmt.Errorf("site build %s: %w:\n%s", o.Source, ErrBuild, msg)
}

// captureOutput runs fn with os.Stdout and os.Stderr redirected into w.
func captureOutput(w io.Writer, fn func() error) error {
	r, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	oldOut, oldErr, oldLog := os.Stdout, os.Stderr, log.Writer()
	os.Stdout, os.Stderr = pw, pw
	done := make(chan struct{})
	go func() {
		io.Copy(w, r)
		close(done)
	}()
	defer func() {
		os.Stdout, os.Stderr = oldOut, oldErr
		log.SetOutput(oldLog) // Hugo points the standard logger at its stdout
		pw.Close()
		<-done
		r.Close()
	}()
	return fn()
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// hugoErrors returns Hugo's ERROR lines from its output, without colour codes.
func hugoErrors(out string) []string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(ansi.ReplaceAllString(out, "")))
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "ERROR") || strings.HasPrefix(l, "Error:") {
			lines = append(lines, l)
		}
	}
	return lines
}
