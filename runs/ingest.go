package runs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/datamon-io/datamon/model"
)

// Store is what the ingester writes (raftmeta.Meta).
type Store interface {
	StartRun(ctx context.Context, s model.RunStart) (model.Run, error)
	FinishRun(ctx context.Context, id string, as model.RunActor, st model.RunStatus, reason string) (model.Run, error)
	RunByExternal(ctx context.Context, ext string) (model.Run, error)
}

// Caller is the authenticated sender of an event (api.Caller).
type Caller interface {
	Actor(context string) model.RunActor
	Require(context string, want model.Permission) error
	RequireRepo(context, repo string, want model.Permission) error
}

// Ingester records OpenLineage RunEvents from other emitters (Airflow,
// Spark) as runs: START starts a run (External "openlineage:RUNID"),
// COMPLETE, FAIL and ABORT finish it (starting it first when its START
// was never seen), RUNNING and OTHER start it if unknown. A job namespace
// datamon://CONTEXT puts the run in CONTEXT, any other namespace in
// DefaultContext. Input datasets datamon://CONTEXT repo@ref become pinned
// inputs; other datasets are kept as tags.
type Ingester struct {
	store          Store
	defaultContext string
}

// NewIngester returns an Ingester over store (defaultContext "" : model.DefaultContext).
func NewIngester(store Store, defaultContext string) (*Ingester, error) {
	if store == nil {
		return nil, fmt.Errorf("%w: no store", ErrConfig)
	}
	if defaultContext == "" {
		defaultContext = model.DefaultContext
	}
	return &Ingester{store: store, defaultContext: defaultContext}, nil
}

// Ingest records one event for caller and returns the run.
func (in *Ingester) Ingest(ctx context.Context, body []byte, caller Caller) (model.Run, error) {
	ev, err := ParseEvent(body)
	if err != nil {
		return model.Run{}, err
	}
	c := in.defaultContext
	if rest, ok := strings.CutPrefix(ev.Job.Namespace, OLNamespacePrefix); ok && model.ValidateContextName(rest) == nil {
		c = rest
	}
	if err := caller.Require(c, model.PermWrite); err != nil {
		return model.Run{}, err
	}
	ext := "openlineage:" + strings.ToLower(ev.Run.RunID)
	run, err := in.store.RunByExternal(ctx, ext)
	if errors.Is(err, model.ErrNotFound) {
		s, serr := in.startOf(ev, c, ext, caller)
		if serr != nil {
			return model.Run{}, serr
		}
		run, err = in.store.StartRun(ctx, s)
	}
	if err != nil {
		return model.Run{}, err
	}
	st := map[string]model.RunStatus{OLComplete: model.RunSucceeded, OLFail: model.RunFailed, OLAbort: model.RunCanceled}[ev.EventType]
	if st == "" || run.Status.Finished() {
		return run, nil // a late or repeated event changes nothing
	}
	return in.store.FinishRun(ctx, run.ID, caller.Actor(c), st, errorMessage(ev))
}

func (in *Ingester) startOf(ev RunEvent, c, ext string, caller Caller) (model.RunStart, error) {
	s := model.RunStart{Context: c, Name: ev.Job.Name, Pipeline: ev.Job.Namespace, Owner: caller.Actor(c).Name,
		External: ext, Tags: map[string]string{}}
	for i, d := range ev.Inputs {
		if rest, ok := strings.CutPrefix(d.Namespace, OLNamespacePrefix); ok {
			ref, err := model.ParseInputRef(rest + "/" + d.Name)
			if err == nil {
				if err := caller.RequireRepo(ref.Context, ref.Repo, model.PermRead); err != nil {
					return s, err
				}
				s.Inputs = append(s.Inputs, ref)
				continue
			}
		}
		if len(s.Tags) < model.RunMaxTags {
			s.Tags[fmt.Sprintf("openlineage.input.%d", i)] = d.Namespace + "/" + d.Name
		}
	}
	if len(s.Tags) == 0 {
		s.Tags = nil
	}
	if len(s.Name) > model.RunMaxText {
		s.Name = s.Name[:model.RunMaxText]
	}
	if len(s.Pipeline) > model.RunMaxText {
		s.Pipeline = s.Pipeline[:model.RunMaxText]
	}
	return s, model.ValidateRunStart(s)
}

func errorMessage(ev RunEvent) string {
	f, ok := ev.Run.Facets["errorMessage"].(map[string]any)
	if !ok {
		return ""
	}
	msg, _ := f["message"].(string)
	if len(msg) > model.RunMaxText {
		msg = msg[:model.RunMaxText]
	}
	return msg
}
