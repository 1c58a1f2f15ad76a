package runs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/datamon-io/datamon/model"
)

// OpenLineage (https://openlineage.io/spec/2-0-2/OpenLineage.json).
const (
	OLSchemaURL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent"
	// OLProducer is the producer URI datamon's events carry.
	OLProducer = "https://github.com/datamon-io/datamon"
	// OLNamespacePrefix starts the namespace of datamon jobs and datasets:
	// datamon://CONTEXT (dataset names are repo@bundle).
	OLNamespacePrefix = "datamon://"
	// MaxEventSize bounds an accepted RunEvent.
	MaxEventSize = 1 << 20
	facetSchema  = "https://openlineage.io/spec/facets/1-0-0/"
)

// OpenLineage event types.
const (
	OLStart    = "START"
	OLRunning  = "RUNNING"
	OLComplete = "COMPLETE"
	OLAbort    = "ABORT"
	OLFail     = "FAIL"
	OLOther    = "OTHER"
)

// RunEvent is an OpenLineage RunEvent (the fields datamon reads and
// writes; facets are kept as raw JSON objects).
type RunEvent struct {
	EventType string    `json:"eventType"`
	EventTime string    `json:"eventTime"`
	Run       OLRun     `json:"run"`
	Job       OLJob     `json:"job"`
	Inputs    []Dataset `json:"inputs,omitempty"`
	Outputs   []Dataset `json:"outputs,omitempty"`
	Producer  string    `json:"producer"`
	SchemaURL string    `json:"schemaURL"`
}

// OLRun is the run of an event.
type OLRun struct {
	RunID  string         `json:"runId"`
	Facets map[string]any `json:"facets,omitempty"`
}

// OLJob is the job of an event.
type OLJob struct {
	Namespace string         `json:"namespace"`
	Name      string         `json:"name"`
	Facets    map[string]any `json:"facets,omitempty"`
}

// Dataset is an input or output dataset.
type Dataset struct {
	Namespace string         `json:"namespace"`
	Name      string         `json:"name"`
	Facets    map[string]any `json:"facets,omitempty"`
}

// ValidUUID reports whether s is a UUID in its canonical text form.
func ValidUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
				return false
			}
		}
	}
	return true
}

func validURI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "" || u.Path != "")
}

// ValidateEvent checks what the OpenLineage spec requires of a RunEvent:
// eventType (one of the six), eventTime (ISO 8601 with zone), run.runId (a
// UUID), job.namespace, job.name, producer and schemaURL (URIs), and a
// namespace and name on every dataset.
func ValidateEvent(ev RunEvent) error {
	bad := func(f string, args ...any) error {
		return fmt.Errorf("%w: OpenLineage RunEvent: "+f, append([]any{model.ErrInvalid}, args...)...)
	}
	switch ev.EventType {
	case OLStart, OLRunning, OLComplete, OLAbort, OLFail, OLOther:
	default:
		return bad("eventType %q (START, RUNNING, COMPLETE, ABORT, FAIL or OTHER)", ev.EventType)
	}
	if _, err := time.Parse(time.RFC3339Nano, ev.EventTime); err != nil {
		return bad("eventTime %q is not an ISO 8601 date-time with a zone", ev.EventTime)
	}
	if !ValidUUID(ev.Run.RunID) {
		return bad("run.runId %q is not a UUID", ev.Run.RunID)
	}
	if ev.Job.Namespace == "" || ev.Job.Name == "" {
		return bad("job.namespace and job.name are required")
	}
	if !validURI(ev.Producer) {
		return bad("producer %q is not a URI", ev.Producer)
	}
	if !validURI(ev.SchemaURL) {
		return bad("schemaURL %q is not a URI", ev.SchemaURL)
	}
	for _, d := range append(append([]Dataset{}, ev.Inputs...), ev.Outputs...) {
		if d.Namespace == "" || d.Name == "" {
			return bad("every dataset needs a namespace and a name")
		}
	}
	return nil
}

// ParseEvent decodes and validates one RunEvent (at most MaxEventSize bytes).
func ParseEvent(body []byte) (RunEvent, error) {
	var ev RunEvent
	if len(body) > MaxEventSize {
		return ev, fmt.Errorf("%w: OpenLineage event is %d bytes, limit %d", model.ErrInvalid, len(body), MaxEventSize)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&ev); err != nil {
		return RunEvent{}, fmt.Errorf("%w: OpenLineage event: %v", model.ErrInvalid, err)
	}
	if dec.More() {
		return RunEvent{}, fmt.Errorf("%w: OpenLineage event: data after the JSON object", model.ErrInvalid)
	}
	if err := ValidateEvent(ev); err != nil {
		return RunEvent{}, err
	}
	return ev, nil
}

// OLRunID is the OpenLineage runId of a datamon run: a UUID (version 8,
// RFC 9562's custom layout) derived from the run ID, the same on every node.
func OLRunID(id string) string {
	h := sha256.Sum256([]byte("datamon-run:" + id))
	h[6] = h[6]&0x0f | 0x80
	h[8] = h[8]&0x3f | 0x80
	s := hex.EncodeToString(h[:16])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

func facet(fields map[string]any) map[string]any {
	fields["_producer"] = OLProducer
	fields["_schemaURL"] = facetSchema
	return fields
}

// EventType is the OpenLineage type of a run's state.
func EventType(r model.Run) string {
	switch r.Status {
	case model.RunSucceeded:
		return OLComplete
	case model.RunFailed:
		return OLFail
	case model.RunCanceled:
		return OLAbort
	}
	return OLStart
}

// FromRun is the RunEvent of a run's current state (START while running).
// Datasets are datamon://CONTEXT, repo@bundle.
func FromRun(r model.Run) RunEvent {
	t := r.Started
	if !r.Ended.IsZero() {
		t = r.Ended
	}
	name := r.Name
	if r.Pipeline != "" || r.Step != "" {
		name = strings.Trim(r.Pipeline+"."+r.Step, ".")
	}
	ev := RunEvent{
		EventType: EventType(r), EventTime: t.UTC().Format(time.RFC3339Nano), Producer: OLProducer, SchemaURL: OLSchemaURL,
		Run: OLRun{RunID: OLRunID(r.ID), Facets: map[string]any{
			"datamon": facet(map[string]any{"id": r.ID, "name": r.Name, "owner": r.Owner, "status": string(r.Status), "params": r.Params}),
		}},
		Job: OLJob{Namespace: OLNamespacePrefix + r.Context, Name: name},
	}
	if r.Status == model.RunFailed && r.Reason != "" {
		ev.Run.Facets["errorMessage"] = facet(map[string]any{"message": r.Reason, "programmingLanguage": "unknown"})
	}
	if !r.Code.IsZero() {
		ev.Job.Facets = map[string]any{"sourceCodeLocation": facet(map[string]any{"type": "git", "url": r.Code.Repo, "version": r.Code.Commit})}
	}
	for _, in := range r.Inputs {
		ev.Inputs = append(ev.Inputs, Dataset{Namespace: OLNamespacePrefix + in.Context, Name: in.Repo + "@" + in.Bundle})
	}
	for _, o := range r.Outputs {
		ev.Outputs = append(ev.Outputs, Dataset{Namespace: OLNamespacePrefix + o.Context, Name: o.Repo + "@" + o.Bundle})
	}
	return ev
}
