namespace NotebookSupport.Evaluation;

/// <summary>One STS benchmark pair: two sentences and their gold similarity from 0 (unrelated) to 5 (same meaning).</summary>
public sealed record StsPair(string Sentence1, string Sentence2, double Score);
