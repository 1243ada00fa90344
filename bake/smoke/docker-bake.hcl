variable "REGISTRY" {
  default = "localhost:5000"
}

target "smoke" {
  context    = "."
  dockerfile = "Dockerfile"
  platforms  = ["linux/arm64"]
  tags       = ["${REGISTRY}/uvbake/smoke:arm64"]
  attest     = ["type=provenance,disabled=true", "type=sbom,disabled=true"]
}
