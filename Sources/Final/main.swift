// The Final server: `make run` builds and starts it (release build). FinalServer.swift composes
// it from the chapters' modules and the controllers in Controllers/.
import App

await runServer(name: "videotube", build: buildFinalServer)
