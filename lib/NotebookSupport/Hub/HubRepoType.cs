namespace NotebookSupport.Hub;

/// <summary>
/// The kind of a hub repository, as <c>repo_type</c> in <c>huggingface_hub</c>: it decides the URL prefix
/// (<c>{endpoint}/datasets/{repo}/...</c> for datasets) and the cache folder prefix (<c>models--</c> or <c>datasets--</c>).
/// </summary>
public enum HubRepoType
{
    /// <summary>A model repository: <c>{endpoint}/{repo}/resolve/...</c>, cached under <c>models--ORG--NAME</c>.</summary>
    Model,

    /// <summary>A dataset repository: <c>{endpoint}/datasets/{repo}/resolve/...</c>, cached under <c>datasets--ORG--NAME</c>.</summary>
    Dataset,
}
