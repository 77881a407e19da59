// Chapter 05 — bcrypt.
//
// Chapter05.swift serves register (the save hook hashes the password) and a password check:
//
//   curl -X POST localhost:8000/api/v1/users/register -H 'Content-Type: application/json' \
//        -d '{"fullName": "Asha", "email": "asha@example.com", "username": "asha", "password": "chai aur code"}'
//   curl -X POST localhost:8000/api/v1/users/check -H 'Content-Type: application/json' \
//        -d '{"username": "asha", "password": "chai aur code"}'

import App

await runServer(name: "chapter05", build: buildChapter05)
