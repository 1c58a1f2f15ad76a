//go:build !linux

package csi

import "fmt"

// The driver runs on Linux nodes; elsewhere it builds but cannot mount.

func alive(int) bool { return false }

func mounted(string) (bool, error) {
	return false, fmt.Errorf("%w: the CSI driver needs Linux", ErrMount)
}

func unmount(string) error { return fmt.Errorf("%w: the CSI driver needs Linux", ErrMount) }

func healthy(string) bool { return false }
