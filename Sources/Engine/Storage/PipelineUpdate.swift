// An update is a document of operators (`{$set: {…}}`) or, since MongoDB 4.2, a pipeline of
// stages (`[{$set: {…}}, {$unset: "x"}]`), which can compute new values from the document's own
// fields. The storage interface carries both as a `Document`: a pipeline the way BSON itself
// stores an array, under the keys "0", "1", …, which is also how libmongoc recognises one.

import BSON

extension Document {
    /// A pipeline-style update made of `stages`.
    public init(pipeline stages: [Document]) {
        self.init(stages.enumerated().map { (key: String($0.offset), value: .document($0.element)) })
    }

    /// The stages, when this update is a pipeline (keys "0", "1", … in order, each a document).
    public var pipelineStages: [Document]? {
        guard !elements.isEmpty else { return nil }
        var stages: [Document] = []
        for (index, element) in elements.enumerated() {
            guard element.key == String(index), case .document(let stage) = element.value else { return nil }
            stages.append(stage)
        }
        return stages
    }
}
