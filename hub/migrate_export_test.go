package hub

// DataDir is the hub's data folder, for the migration's tests, which open
// the folder of a hub that hubtest started.
func (h *Hub) DataDir() string { return h.dir }
