package history

import (
	"bytes"
	"errors"
	"sync"
	"testing"
)

func TestConcurrentRecordAndDump(t *testing.T) {
	h := New()
	var wg sync.WaitGroup
	for p := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				c := h.Call(p, "set", "k", i)
				switch i % 3 {
				case 0:
					c.Ok(i)
				case 1:
					c.Fail(nil, errors.New("nope"))
				default:
					c.Info(errors.New("timeout"))
				}
				c.Ok("ignored: completes once")
			}
		}()
	}
	wg.Wait()
	ops := h.Ops()
	if len(ops) != 400 {
		t.Fatalf("%d ops", len(ops))
	}
	cnt := h.Counts()
	if cnt[Ok] != 8*17 || cnt[Fail] != 8*17 || cnt[Info] != 8*16 {
		t.Fatalf("counts %v", cnt)
	}
	for i := 1; i < len(ops); i++ {
		if ops[i].Call < ops[i-1].Call {
			t.Fatal("not sorted by call")
		}
		if ops[i].Status != Info && ops[i].Return < ops[i].Call {
			t.Fatal("return before call")
		}
	}
	var buf bytes.Buffer
	if err := h.WriteJSONLines(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSONLines(&buf)
	if err != nil || len(back) != 400 || back[0].Type != "set" {
		t.Fatalf("round trip: %d %v", len(back), err)
	}
}
