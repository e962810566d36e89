package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"storyguard/tools/publish"
	"storyguard/tools/store"
)

// stepClock follows a pipeline run's steps through publish.Options.Hook
// (called as each step begins, so the step before it has just ended) and
// with --timings writes, as each step ends, "timing: STEP 1.234 s" to w
// (seconds of wall time, three decimals), and "timing: total 9.876 s"
// when the run is over (finish). Step names are those of publish.Steps and
// publish.WithdrawSteps, a withdrawal's rebuild prefixed "rebuild ". The
// last step's time includes closing the store.
//
// On a terminal (bar not nil), the media step draws a progress bar of
// media done; in a log there is none, only the step lines.
type stepClock struct {
	w       io.Writer
	timings bool
	bar     io.Writer // a terminal, or nil

	now        func() time.Time
	step       string
	start, run time.Time
	progress   *progressbar.ProgressBar
}

// testStepHook, when set by a test, is called with each step's name as it
// begins, after the previous step's timing line is written; it may block.
var testStepHook func(step string)

func newStepClock(w io.Writer, timings bool) *stepClock {
	c := &stepClock{w: w, timings: timings, now: time.Now}
	if bw := store.ProgressWriter(os.Stderr); bw != nil {
		c.bar = bw
	}
	c.run = c.now()
	return c
}

// attach sets o's Hook and MediaProgress to the clock's.
func (c *stepClock) attach(o *publish.Options) {
	o.Hook = c.hook
	o.MediaProgress = c.advance
}

func (c *stepClock) hook(_ context.Context, step string) error {
	c.end()
	c.step, c.start = step, c.now()
	if testStepHook != nil {
		testStepHook(step)
	}
	return nil
}

// end writes the running step's timing line, if any, and forgets it.
func (c *stepClock) end() {
	c.closeBar()
	if c.step != "" && c.timings {
		fmt.Fprintf(c.w, "timing: %s %.3f s\n", c.step, c.now().Sub(c.start).Seconds())
	}
	c.step = ""
}

// finish ends the last step and writes the total.
func (c *stepClock) finish() {
	c.end()
	if c.timings {
		fmt.Fprintf(c.w, "timing: total %.3f s\n", c.now().Sub(c.run).Seconds())
	}
}

// advance is publish.Options.Progress: a bar of media done, on a terminal
// only.
func (c *stepClock) advance(step string, done, total int) {
	if c.bar == nil || total == 0 {
		return
	}
	if c.progress == nil {
		c.progress = progressbar.NewOptions(total, progressbar.OptionSetWriter(c.bar),
			progressbar.OptionSetDescription(step), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	c.progress.Set(done)
	if done >= total {
		c.closeBar()
	}
}

func (c *stepClock) closeBar() {
	if c.progress != nil {
		c.progress.Finish()
		c.progress = nil
	}
}

// addTimings adds --timings to a pipeline command.
func addTimings(c *cobra.Command, on *bool) {
	c.Flags().BoolVar(on, "timings", false, "write each step's wall time as it ends (timing: STEP SECONDS s) and the total, to stderr")
}
