package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/apimlab/apimlab/sim"
	"github.com/apimlab/apimlab/sim/live"
	"github.com/apimlab/apimlab/sim/shards"
)

// targetOptions applies --target, --backend-header, --header-env, --shard
// and --start-at.
func (c *SimCmd) targetOptions(o *live.Options) error {
	if c.Target == "" && (c.BackendHeader != "" || len(c.HeaderEnv) > 0) {
		return fmt.Errorf("--backend-header and --header-env need --target")
	}
	if c.Target != "" {
		o.Target, o.BackendHeader = c.Target, c.BackendHeader
		if c.Clock == sim.ClockVirtual {
			o.Clock = "" // a deployment runs on the wall clock
		}
		o.TargetHeaders = http.Header{}
		for _, he := range c.HeaderEnv {
			name, env, ok := strings.Cut(he, "=")
			if !ok || name == "" || env == "" {
				return fmt.Errorf("--header-env %q: write NAME=ENVVAR", he)
			}
			v, ok := os.LookupEnv(env)
			if !ok {
				return fmt.Errorf("--header-env %s: environment variable %s is not set", name, env)
			}
			o.TargetHeaders.Add(name, v)
		}
	}
	if c.Shard != "" {
		s, err := shards.Parse(c.Shard)
		if err != nil {
			return err
		}
		o.Shard = s
	}
	if c.StartAt != "" {
		t, err := parseStartAt(c.StartAt, time.Now())
		if err != nil {
			return err
		}
		o.StartAt = t
	}
	return nil
}

// parseStartAt reads an RFC 3339 instant or now+DURATION.
func parseStartAt(s string, now time.Time) (time.Time, error) {
	if rest, ok := strings.CutPrefix(s, "now+"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return time.Time{}, fmt.Errorf("--start-at %q: now+DURATION needs a duration such as 2s", s)
		}
		return now.Add(d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--start-at %q: use RFC 3339 (2026-12-03T14:00:00Z) or now+DURATION", s)
	}
	return t, nil
}

// emitJob prints the Kubernetes Indexed Job of --emit k8s-job.
func (c *SimCmd) emitJob(g *Globals, sc *sim.Scenario) error {
	if c.Shards < 1 || c.Image == "" {
		return usageErr("--emit k8s-job needs --shards N (>= 1) and --image IMAGE")
	}
	job, err := shards.Job(shards.JobOptions{
		Scenario: c.Scenario, Shards: c.Shards, Image: c.Image, StartAt: time.Now().Add(c.StartIn).UTC().Truncate(time.Second),
		Target: c.Target, BackendHeader: c.BackendHeader, HeaderEnv: c.HeaderEnv, Name: sc.Name,
	})
	if err != nil {
		return usageErr("%v", err)
	}
	_, err = g.Stdout.Write(job)
	return err
}

var _ = strconv.Itoa
