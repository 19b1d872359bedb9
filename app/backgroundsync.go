package app

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2/lang"

	"lawtrail/casework"
	"lawtrail/store"
	"lawtrail/sync/client"
)

// SyncEvery is how often the app syncs by itself once the terminal joined
// a hub; every act recorded also starts a pass at once.
const SyncEvery = 60 * time.Second

// backgroundSync keeps the terminal in sync while it is unlocked: a pass
// every SyncEvery and right after each act (or a tap on "sync now"), with
// the state after each pass shown on the sync tab and the indicator of the
// main screen. No officer's PIN is needed: the terminal key speaks to the
// hub.
type backgroundSync struct {
	kick    chan struct{}
	metered atomic.Bool // the settings' switch, read off the UI goroutine
}

// startSync starts the background sync for the unlocked terminal, once.
func (u *UI) startSync() {
	if u.sync != nil {
		return
	}
	u.sync = &backgroundSync{kick: make(chan struct{}, 1)}
	u.sync.metered.Store(u.settings.Metered)
	go u.sync.run(u.ctx, u)
}

// syncSoon asks for a pass as soon as the one running (if any) ends.
func (u *UI) syncSoon() {
	if u.sync == nil {
		return
	}
	select {
	case u.sync.kick <- struct{}{}:
	default: // one is asked for already
	}
}

// acted is called after every act recorded: the hub hears of it soon.
func (u *UI) acted() { u.syncSoon() }

func (b *backgroundSync) run(ctx context.Context, u *UI) {
	t := time.NewTicker(SyncEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-b.kick:
		}
		err := b.pass(ctx, u)
		st, serr := u.desk.SyncStatus(ctx)
		if ctx.Err() != nil {
			return
		}
		uiDo(func() { u.showSyncState(st, errors.Join(err, serr)) })
	}
}

// pass syncs once if the terminal joined a hub; nothing otherwise.
func (b *backgroundSync) pass(ctx context.Context, u *UI) error {
	if _, err := u.st().Hub(ctx); errors.Is(err, store.ErrNoHub) {
		return nil
	} else if err != nil {
		return err
	}
	c, err := u.desk.SyncClient(ctx, client.Options{Metered: b.metered.Load()})
	if err != nil {
		return err
	}
	_, err = c.Once(ctx) // the outcome is recorded: the status says it
	return err
}

// showSyncState shows the state after a pass on the sync tab and in the
// main screen's indicator.
func (u *UI) showSyncState(st client.Status, err error) {
	if u.main == nil {
		return
	}
	u.main.Sync.show(u, st, err)
	u.main.SyncBadge.SetText(syncBadge(st, err != nil))
	u.main.Dock.RefreshSync(u)
}

// syncBadge is the one-line state of the indicator; failed says the last
// pass failed.
func syncBadge(st client.Status, failed bool) string {
	switch {
	case !st.Joined:
		return lang.L("sync.badge.off")
	case st.Diverged != "":
		return lang.L("sync.badge.diverged")
	case failed:
		return lang.X("sync.badge.error", "", map[string]any{"Events": st.PendingEvents, "Blobs": st.PendingBlobs})
	case st.PendingEvents > 0 || st.PendingBlobs > 0:
		return lang.X("sync.badge.waiting", "", map[string]any{"Events": st.PendingEvents, "Blobs": st.PendingBlobs})
	}
	return lang.X("sync.badge.ok", "", map[string]any{"Success": shortTime(st.LastSuccess)})
}

// shortTime shows a recorded RFC 3339 time as China Standard Time's
// month, day and minute ("—" when there is none).
func shortTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return dashIfEmpty(s)
	}
	return t.In(casework.Shanghai).Format("01-02 15:04")
}

// setMetered tells the background sync the metered-link switch changed.
func (u *UI) setMetered(on bool) {
	if u.sync != nil {
		u.sync.metered.Store(on)
	}
}
