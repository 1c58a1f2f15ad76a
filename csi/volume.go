package csi

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Volume attribute keys (volume_context).
const (
	AttrRepo      = "repo"
	AttrLabel     = "label"
	AttrBundle    = "bundle"
	AttrContext   = "context"
	AttrReadOnly  = "readOnly"
	AttrFromLabel = "fromLabel"
	AttrMessage   = "message"
)

// Secret keys (node-publish secret).
const (
	SecretAccessKey = "accessKey"
	SecretSecretKey = "secretKey"
	SecretServer    = "server"
)

// k8sPrefix marks the attributes the kubelet and the external provisioner
// add (pod name, ephemeral flag, PV name...): accepted and ignored.
const k8sPrefix = "csi.storage.k8s.io/"

// Volume is a parsed volume: which bundle, and how it is mounted.
type Volume struct {
	Context  string
	Repo     string
	Label    string // read-only: the label to mount; read-write: the label to move
	Bundle   string // read-only only
	ReadOnly bool
	// FromLabel is the base of a read-write volume ("" starts empty).
	FromLabel string
	// Message is the commit message of a read-write volume.
	Message string
}

// Credentials are the identity keys a mount uses.
type Credentials struct {
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
	Server    string `json:"server,omitempty"`
}

// ParseVolume parses volume attributes. readOnlyReq is the request's own
// readonly flag (a pod's readOnly: true): it forces a read-only mount.
func ParseVolume(attrs map[string]string, readOnlyReq bool) (Volume, error) {
	v := Volume{Context: "default", ReadOnly: true}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := attrs[k]
		if strings.HasPrefix(k, k8sPrefix) {
			continue
		}
		if err := checkValue(k, val); err != nil {
			return Volume{}, err
		}
		switch k {
		case AttrRepo:
			v.Repo = val
		case AttrLabel:
			v.Label = val
		case AttrBundle:
			v.Bundle = val
		case AttrContext:
			v.Context = val
		case AttrFromLabel:
			v.FromLabel = val
		case AttrMessage:
			v.Message = val
		case AttrReadOnly:
			b, err := strconv.ParseBool(val)
			if err != nil {
				return Volume{}, fmt.Errorf("%w: %s=%q: want true or false", ErrVolume, k, val)
			}
			v.ReadOnly = b
		default:
			return Volume{}, fmt.Errorf("%w: unknown attribute %q (known: repo, label, bundle, context, readOnly, fromLabel, message)", ErrVolume, k)
		}
	}
	if readOnlyReq {
		v.ReadOnly = true
	}
	switch {
	case v.Repo == "":
		return Volume{}, fmt.Errorf("%w: attribute repo is required", ErrVolume)
	case v.Context == "":
		return Volume{}, fmt.Errorf("%w: attribute context is empty", ErrVolume)
	case v.ReadOnly && v.Label != "" && v.Bundle != "":
		return Volume{}, fmt.Errorf("%w: label and bundle are exclusive", ErrVolume)
	case v.ReadOnly && (v.FromLabel != "" || v.Message != ""):
		return Volume{}, fmt.Errorf("%w: fromLabel and message need readOnly=false", ErrVolume)
	case !v.ReadOnly && v.Bundle != "":
		return Volume{}, fmt.Errorf("%w: a read-write volume commits a new bundle: use fromLabel for its base, not bundle", ErrVolume)
	}
	return v, nil
}

// checkValue refuses values that could not be a name: empty, control
// characters, a leading '-'.
func checkValue(k, val string) error {
	if val == "" {
		return fmt.Errorf("%w: attribute %s is empty", ErrVolume, k)
	}
	if k == AttrMessage {
		if strings.ContainsRune(val, 0) {
			return fmt.Errorf("%w: attribute %s holds a NUL byte", ErrVolume, k)
		}
		return nil
	}
	if strings.HasPrefix(val, "-") {
		return fmt.Errorf("%w: attribute %s=%q starts with '-'", ErrVolume, k, val)
	}
	for _, r := range val {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: attribute %s=%q holds a control character", ErrVolume, k, val)
		}
	}
	return nil
}

// ParseCredentials reads the node-publish secret.
func ParseCredentials(secrets map[string]string) (Credentials, error) {
	c := Credentials{AccessKey: secrets[SecretAccessKey], SecretKey: secrets[SecretSecretKey], Server: secrets[SecretServer]}
	if c.AccessKey == "" || c.SecretKey == "" {
		return Credentials{}, fmt.Errorf("%w: the node-publish secret needs keys %s and %s (nodePublishSecretRef)", ErrVolume, SecretAccessKey, SecretSecretKey)
	}
	for k := range secrets {
		if k != SecretAccessKey && k != SecretSecretKey && k != SecretServer {
			return Credentials{}, fmt.Errorf("%w: unknown secret key %q (known: %s, %s, %s)", ErrVolume, k, SecretAccessKey, SecretSecretKey, SecretServer)
		}
	}
	return c, nil
}

// mountArgs are the datamon arguments that mount v at target (staging: the
// staging directory of a read-write volume).
func (v Volume) mountArgs(target, staging, volumeID string) []string {
	args := []string{"bundle", "mount"}
	if !v.ReadOnly {
		args = append(args, "new")
	}
	args = append(args, "--context="+v.Context, "--repo="+v.Repo, "--mount="+target, "--allow-other", "--daemonize")
	switch {
	case v.ReadOnly && v.Label != "":
		args = append(args, "--label="+v.Label)
	case v.ReadOnly && v.Bundle != "":
		args = append(args, "--bundle="+v.Bundle)
	case !v.ReadOnly:
		msg := v.Message
		if msg == "" {
			msg = "written through CSI volume " + volumeID
		}
		args = append(args, "--staging="+staging, "--message="+msg)
		if v.Label != "" {
			args = append(args, "--label="+v.Label)
		}
		if v.FromLabel != "" {
			args = append(args, "--from-label="+v.FromLabel)
		}
	}
	return args
}
