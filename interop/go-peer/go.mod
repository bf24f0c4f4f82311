module padlock.test/go-peer

go 1.25
