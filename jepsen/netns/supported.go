package netns

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// Supported reports whether netns mode can run here: root, iproute2, and a
// namespace that can actually be created and deleted.
func Supported() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: not root", ErrUnsupported)
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return fmt.Errorf("%w: iproute2 missing: %v", ErrUnsupported, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	name := fmt.Sprintf("jpprobe%d", os.Getpid())
	if _, err := run(ctx, "ip", "netns", "add", name); err != nil {
		return fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	if _, err := run(ctx, "ip", "netns", "del", name); err != nil {
		return fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	return nil
}

// NftSupported reports whether the nft binary exists.
func NftSupported() error {
	if _, err := exec.LookPath("nft"); err != nil {
		return fmt.Errorf("netns: nft missing (apt-get install nftables): %w", err)
	}
	return nil
}
