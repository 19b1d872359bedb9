package main

import (
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("org.lawtrail.terminal")
	w := a.NewWindow("lawtrail")
	w.SetContent(widget.NewLabel("lawtrail"))
	w.ShowAndRun()
}
