// Command lawtrail is the terminal app: an offline-first Fyne UI for
// officers' tablets and evidence clerks' desks. It opens the data folder
// given by --data, $LAWTRAIL_DATA or the user's data directory; a new
// folder starts with the first-run screen.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/lang"

	"lawtrail/app"
	"lawtrail/evidence"
	"lawtrail/store"
)

func main() {
	dataDir := flag.String("data", "", "data folder (default: $LAWTRAIL_DATA or the user's data directory)")
	demo := flag.Bool("demo", false, "a throwaway terminal docking a simulated recorder, with a decision awaiting legal review (passphrase lawtrail-demo; 张三 o-001 PIN 123456, admin; 李四 o-002 PIN 654321; 王五 o-003 PIN 246813, 法制审核人员; 赵六 o-004 PIN 135792, 负责人)")
	size := flag.String("size", "1024x720", "window size WxH (800x1280 for a tablet in portrait)")
	tab := flag.String("tab", "dock", "with --demo: the tab to show once the recorder is docked (dock, evidence, cases, document, card, sync, settings, officers); review: 王五's 法制审核 tab; casereview: the case under review; live: 直播 with the test pattern on the demo case's first step")
	flag.Parse()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var demoSetup *app.Demo
	if *demo {
		root, err := os.MkdirTemp("", "lawtrail-demo-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "lawtrail:", err)
			os.Exit(2)
		}
		defer os.RemoveAll(root)
		d, err := app.PrepareDemo(ctx, root, evidence.DefaultKDFParams)
		if err == nil {
			d, err = app.PrepareReviewDemo(ctx, d, evidence.DefaultKDFParams)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "lawtrail: demo:", err)
			os.Exit(2)
		}
		demoSetup = &d
		*dataDir = d.DataDir
	}
	dir := *dataDir
	if dir == "" {
		d, err := store.DefaultDir()
		if err != nil {
			fmt.Fprintln(os.Stderr, "lawtrail:", err)
			os.Exit(2)
		}
		dir = d
	}
	if err := app.LoadTranslations(); err != nil {
		fmt.Fprintln(os.Stderr, "lawtrail:", err)
		os.Exit(2)
	}
	a := fyneapp.NewWithID("org.lawtrail.terminal")
	a.SetIcon(app.Icon())
	win := a.NewWindow(lang.L("app.title"))
	var w, h float32 = 1024, 720
	fmt.Sscanf(*size, "%fx%f", &w, &h)
	win.Resize(fyne.NewSize(w, h))
	ui := app.New(ctx, a, win, dir)
	defer ui.Close()
	if demoSetup != nil {
		ui.StartDemo(*demoSetup, *tab)
	} else {
		ui.Start()
	}
	win.ShowAndRun()
}
